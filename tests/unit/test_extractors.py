from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from kenny_wa import extractors
from kenny_wa.errors import ConfigError


def test_unset_names_the_variable():
    with pytest.raises(extractors.ExtractorNotConfigured) as info:
        extractors.resolve_extractor(env={})
    assert "KENNY_WA_EXTRACTOR" in str(info.value)
    with pytest.raises(extractors.ExtractorNotConfigured):
        extractors.resolve_extractor(env={"KENNY_WA_EXTRACTOR": "  "})


def test_registered_name_and_module_callable():
    assert extractors.resolve_extractor("dimensions") is extractors.dimensions_extractor
    spec = "kenny_wa.extractors:dimensions_extractor"
    assert extractors.resolve_extractor(env={"KENNY_WA_EXTRACTOR": spec}) is (
        extractors.dimensions_extractor
    )


@pytest.mark.parametrize(
    "spec",
    [
        "nope", "no.such.module:fn", "kenny_wa.extractors:missing",
        "kenny_wa.extractors:ENV_VAR", ":fn", "kenny_wa.extractors:",
    ],
)
def test_bad_specs_are_config_errors(spec):
    with pytest.raises(ConfigError) as info:
        extractors.resolve_extractor(spec)
    assert info.value.variable == "KENNY_WA_EXTRACTOR"


def test_register_validates_name():
    with pytest.raises(ValueError):
        extractors.register("a:b", extractors.dimensions_extractor)


def test_run_extractor_wraps_failures_without_their_text(tmp_path):
    def broken(path: Path, media_type: str) -> extractors.ExtractorResult:
        raise RuntimeError("secret receipt text")

    with pytest.raises(extractors.ExtractorFailed) as info:
        extractors.run_extractor(broken, tmp_path / "x.png", "image/png")
    assert "secret" not in str(info.value)
    assert isinstance(info.value.__cause__, RuntimeError)
    with pytest.raises(extractors.ExtractorFailed):
        extractors.run_extractor(lambda p, m: {"not": "a result"}, tmp_path, "image/png")


def test_dimensions_extractor(tmp_path):
    path = tmp_path / "i.png"
    buffer = io.BytesIO()
    Image.new("RGB", (5, 3)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    outcome = extractors.run_extractor(extractors.dimensions_extractor, path, "image/png")
    assert (outcome.name, outcome.version) == ("dimensions", "1")
    assert outcome.result == {"format": "PNG", "width": 5, "height": 3, "mode": "RGB",
                              "media_type": "image/png"}
