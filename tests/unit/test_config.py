from __future__ import annotations

import subprocess
import sys

import pytest

from kenny_wa import config, errors


def test_defaults_follow_the_spec():
    s = config.load_settings({})
    assert s.lookback_days == 30
    assert s.interval_minutes == 10
    assert s.image_processing_enabled is False
    # the folders depend on where it runs: tests/unit/test_paths.py
    assert s.web_url == "https://web.whatsapp.com"
    assert s.agent_keywords == ("Kenny,", "@Kenny")
    assert s.selector_profile == "auto"
    assert s.pg_url is None and s.uses_embedded_postgres
    assert s.health_host == "127.0.0.1"
    assert s.include_archived is True
    assert s.unread_chats == "defer" and s.unread_defer_hours == 24


def test_unread_and_archive_settings_are_parsed():
    s = config.load_settings({"WHATSAPP_INCLUDE_ARCHIVED": "false", "WHATSAPP_UNREAD_CHATS": "Restore",
                              "WHATSAPP_UNREAD_DEFER_HOURS": "0"})
    assert (s.include_archived, s.unread_chats, s.unread_defer_hours) == (False, "restore", 0)


def test_values_are_parsed():
    s = config.load_settings(
        {
            "WHATSAPP_SYNC_LOOKBACK_DAYS": "7",
            "IMAGE_PROCESSING_ENABLED": "TRUE",
            "PG_URL": "postgresql://kenny:kenny@postgres:5432/kenny",
            "WHATSAPP_AGENT_KEYWORDS": "Hey Kenny|!k",
            "WHATSAPP_SELECTOR_PROFILE": "P4",
            "WHATSAPP_BROWSER_TIMEZONE": "Europe/Lisbon",
            "WHATSAPP_WEB_URL": "http://127.0.0.1:8765/",
        }
    )
    assert s.lookback_days == 7
    assert s.image_processing_enabled is True
    assert s.pg_url == "postgresql://kenny:kenny@postgres:5432/kenny"
    assert s.agent_keywords == ("Hey Kenny", "!k")
    assert s.selector_profile == "p4"
    assert s.web_url == "http://127.0.0.1:8765"


@pytest.mark.parametrize(
    ("variable", "value", "expected_words"),
    [
        ("WHATSAPP_SYNC_LOOKBACK_DAYS", "abc", "whole number of days"),
        ("WHATSAPP_SYNC_LOOKBACK_DAYS", "0", "whole number of days"),
        ("WHATSAPP_SYNC_INTERVAL_MINUTES", "-5", "whole number of minutes"),
        ("PG_URL", "mysql://x@y/z", "postgresql://"),
        ("PG_URL", "postgresql://a b", "postgresql://"),
        ("IMAGE_PROCESSING_ENABLED", "maybe", "true or false"),
        ("WHATSAPP_SELECTOR_PROFILE", "p9", "one of auto, p6, p5, p4"),
        ("WHATSAPP_BROWSER_TIMEZONE", "Mars/Base", "IANA time zone"),
        ("WHATSAPP_BROWSER_LOCALE", "english", "BCP 47"),
        ("KENNY_WA_HEALTH_PORT", "70000", "TCP port"),
        ("WHATSAPP_WEB_URL", "web.whatsapp.com", "http(s) URL"),
        ("WHATSAPP_UNREAD_CHATS", "skip", "one of defer, restore, read"),
        ("WHATSAPP_UNREAD_DEFER_HOURS", "-1", "whole number of hours >= 0"),
        ("WHATSAPP_INCLUDE_ARCHIVED", "sometimes", "true or false"),
    ],
)
def test_bad_values_name_the_variable_and_the_expected_form(variable, value, expected_words):
    with pytest.raises(errors.ConfigError) as info:
        config.load_settings({variable: value})
    message = str(info.value)
    assert message.startswith(variable)
    assert expected_words in message
    assert info.value.exit_code == 2


def test_pg_url_value_is_never_echoed():
    with pytest.raises(errors.ConfigError) as info:
        config.load_settings({"PG_URL": "mysql://user:s3cret@host/db"})
    assert "s3cret" not in str(info.value)


@pytest.mark.parametrize("value", ["true", "1", "yes", "on"])
def test_sending_is_refused(value):
    with pytest.raises(errors.SendingRefused) as info:
        config.load_settings({"WHATSAPP_ENABLE_SENDING": value})
    assert "WHATSAPP_ENABLE_SENDING" in str(info.value)
    assert "never sends" in str(info.value)
    assert info.value.exit_code == 2


def test_sending_false_is_accepted():
    assert config.load_settings({"WHATSAPP_ENABLE_SENDING": "false"}).lookback_days == 30


def test_describe_lists_every_variable():
    names = {row[0] for row in config.describe()}
    assert set(config.ENVIRONMENT) <= names
    assert "WHATSAPP_ENABLE_SENDING" in names


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"WHATSAPP_SYNC_LOOKBACK_DAYS": "abc"}, "WHATSAPP_SYNC_LOOKBACK_DAYS='abc' is invalid"),
        ({"WHATSAPP_SYNC_INTERVAL_MINUTES": "-1"}, "WHATSAPP_SYNC_INTERVAL_MINUTES='-1' is invalid"),
        ({"PG_URL": "not a url"}, "PG_URL is invalid"),
        ({"WHATSAPP_ENABLE_SENDING": "true"}, "WHATSAPP_ENABLE_SENDING=true is refused"),
    ],
)
def test_command_exits_2_with_one_line(env, needle):
    result = subprocess.run(
        [sys.executable, "-m", "kenny_wa.cli", "status"],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert needle in lines[0]


def test_revision_sweep_settings():
    defaults = config.load_settings({})
    assert (defaults.revision_sweep_hours, defaults.revision_window_hours) == (6, 60)
    every_run = config.load_settings({"WHATSAPP_REVISION_SWEEP_HOURS": "0", "WHATSAPP_REVISION_WINDOW_HOURS": "12"})
    assert (every_run.revision_sweep_hours, every_run.revision_window_hours) == (0, 12)
    with pytest.raises(config.ConfigError, match="WHATSAPP_REVISION_WINDOW_HOURS='0' is invalid"):
        config.load_settings({"WHATSAPP_REVISION_WINDOW_HOURS": "0"})
    with pytest.raises(config.ConfigError, match="WHATSAPP_REVISION_SWEEP_HOURS='-1' is invalid"):
        config.load_settings({"WHATSAPP_REVISION_SWEEP_HOURS": "-1"})


# Where pydantic's own parsing would differ from kenny-wa's, kenny-wa's spelling rules are kept.


@pytest.mark.parametrize("value", ["t", "y", "f", "n", "T", "truthy", "2"])
def test_booleans_pydantic_would_take_are_refused(value):
    with pytest.raises(errors.ConfigError, match=f"WHATSAPP_HEADLESS={value!r} is invalid: expected true or false"):
        config.load_settings({"WHATSAPP_HEADLESS": value})


@pytest.mark.parametrize(
    ("value", "expected"), [("", False), ("  ", False), (" true ", True), ("On", True), ("NO", False)]
)
def test_booleans_pydantic_would_refuse_keep_their_meaning(value, expected):
    assert config.load_settings({"WHATSAPP_HEADLESS": value}).headless is expected


@pytest.mark.parametrize("value", ["5.0", "5.5", "1e3", "0x10", ""])
def test_numbers_pydantic_would_coerce_are_refused(value):
    with pytest.raises(errors.ConfigError, match=f"WHATSAPP_SYNC_LOOKBACK_DAYS={value!r} is invalid"):
        config.load_settings({"WHATSAPP_SYNC_LOOKBACK_DAYS": value})


@pytest.mark.parametrize(("value", "expected"), [(" 7 ", 7), ("+7", 7), ("1_000", 1000), ("\u0667", 7)])
def test_numbers_int_always_took_are_still_taken(value, expected):
    assert config.load_settings({"WHATSAPP_SYNC_LOOKBACK_DAYS": value}).lookback_days == expected


def test_ranges_are_inclusive_where_they_always_were():
    assert config.load_settings({"KENNY_WA_HEALTH_PORT": "65535"}).health_port == 65535
    assert config.load_settings({"WHATSAPP_SCROLL_MIN_INTERVAL_MS": "0"}).scroll_min_interval_ms == 0
    for variable, value in [("KENNY_WA_HEALTH_PORT", "0"), ("KENNY_WA_HEALTH_PORT", "65536"),
                            ("WHATSAPP_SCROLL_MIN_INTERVAL_MS", "-1")]:
        with pytest.raises(errors.ConfigError, match=f"{variable}={value!r} is invalid"):
            config.load_settings({variable: value})


def test_paths_expand_the_home_folder_and_refuse_blank():
    assert config.load_settings({"ATTACHMENTS_DIR": " ~/pictures "}).attachments_dir == (
        config.Path("~/pictures").expanduser()
    )
    for value in ["", "   ", "~no-such-user-kenny-wa/x"]:  # pydantic's Path takes "" as "."
        with pytest.raises(errors.ConfigError, match=r"ATTACHMENTS_DIR=.* is invalid: expected a filesystem path"):
            config.load_settings({"ATTACHMENTS_DIR": value})


def test_choices_ignore_case_and_blanks_around():
    s = config.load_settings({"KENNY_WA_LOG_LEVEL": " debug ", "KENNY_WA_LOG_FORMAT": "JSON"})
    assert (s.log_level, s.log_format) == ("DEBUG", "json")


def test_blank_text_means_unset():
    s = config.load_settings({"WHATSAPP_SELF_ID": " ", "KENNY_WA_HEALTH_HOST": "", "WHATSAPP_AGENT_CONTACT": "",
                              "PG_URL": "  ", "KENNY_WA_EXTRACTOR": " ", "KENNY_WA_PG_URL": ""})
    assert (s.self_id, s.health_host, s.agent_contact, s.pg_url, s.extractor, s.procrastinate_pg_url) == (
        "me", "127.0.0.1", None, None, None, None
    )


def test_no_value_is_read_as_json():
    s = config.load_settings({"WHATSAPP_AGENT_KEYWORDS": '["a", "b"]'})
    assert s.agent_keywords == ('["a", "b"]',)


def test_variable_names_are_exact():
    assert config.load_settings({"whatsapp_sync_lookback_days": "7"}).lookback_days == 30


def test_settings_built_in_code_read_no_environment(monkeypatch):
    monkeypatch.setenv("WHATSAPP_SYNC_LOOKBACK_DAYS", "7")
    assert config.Settings().lookback_days == 30
    assert config.Settings(lookback_days=3).lookback_days == 3
    assert config.load_settings().lookback_days == 7
    assert config.load_settings(lookback_days=3).lookback_days == 3  # overrides win


def test_the_first_bad_variable_is_named_and_sending_is_checked_before_all():
    env = {"WHATSAPP_SYNC_INTERVAL_MINUTES": "x", "KENNY_WA_LOG_LEVEL": "loud"}
    with pytest.raises(errors.ConfigError, match=r"^WHATSAPP_SYNC_INTERVAL_MINUTES='x'"):
        config.load_settings(env)
    with pytest.raises(errors.SendingRefused):
        config.load_settings({**env, "WHATSAPP_ENABLE_SENDING": "on"})
    with pytest.raises(errors.ConfigError, match=r"^WHATSAPP_ENABLE_SENDING='perhaps' is invalid: expected false \("):
        config.load_settings({**env, "WHATSAPP_ENABLE_SENDING": "perhaps"})


@pytest.mark.parametrize(
    "url", ["postgresql://kenny:s3cret@host:notaport/db", "postgresql://kenny:s3cret@host:0/db",
            "postgresql://kenny:s3cret@host/db?port=x1", "postgresql://kenny:s3cret@host/db?nonsense=1"],
)
def test_pg_url_the_driver_refuses_is_named_without_its_value(url):
    with pytest.raises(errors.ConfigError) as info:
        config.load_settings({"PG_URL": url})
    assert str(info.value).startswith("PG_URL is invalid: expected a URL like postgresql://")
    assert "s3cret" not in str(info.value)


def test_procrastinate_url_is_a_setting():
    assert config.load_settings({"KENNY_WA_PG_URL": " postgresql://h/jobs "}).procrastinate_pg_url == (
        "postgresql://h/jobs"
    )


def test_settings_do_not_import_the_database_driver():
    code = "import sys, kenny_wa.config as c; c.load_settings({}); print('psycopg' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"
