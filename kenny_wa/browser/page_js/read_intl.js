// The page's Intl settings: the order and clock WhatsApp uses in data-pre-plain-text.
() => {
  const o = new Intl.DateTimeFormat().resolvedOptions();
  const parts = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'numeric', year: 'numeric' })
    .formatToParts(new Date(2026, 0, 31)).map((p) => p.type);
  const t = new Intl.DateTimeFormat(undefined, { hour: 'numeric' }).resolvedOptions();
  return { locale: o.locale, timezone: o.timeZone, parts, hour_cycle: t.hourCycle || '' };
}
