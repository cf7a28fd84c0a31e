//! Time: the clock (epoch ms), RFC 3339 UTC with milliseconds, short clock
//! times and durations. A leaf: every layer may use it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The last millisecond RFC 3339 can write with a four-digit year:
/// 9999-12-31T23:59:59.999Z. A time from the wire or a file past it (or
/// before 1970, which epoch ms in a u64 cannot hold) is bad input.
pub(crate) const MAX_MS: u64 = 253_402_300_799_999;

/// Is `ms` a time rdx can hold and write (1970 to the end of year 9999)?
pub(crate) fn in_range(ms: u64) -> bool {
    ms <= MAX_MS
}

/// A dispatch time: `Ok(None)` for none, `Err` with its text for a number
/// that is no time (see [`ms_of`]).
pub(crate) type Stamp = Result<Option<u64>, String>;

/// Epoch ms from a JSON number: `Ok(None)` for no number at all, `Err` with
/// the number's text when it is one but no time in range (negative, past
/// year 9999, not finite). Fractions are cut.
pub(crate) fn ms_of(v: &serde_json::Value) -> Stamp {
    let Some(n) = v.as_number() else {
        return Ok(None);
    };
    let ms = match n.as_u64() {
        Some(u) => Some(u),
        None => n
            .as_f64()
            .filter(|f| f.is_finite() && *f >= 0.0 && *f <= MAX_MS as f64)
            .map(|f| f as u64),
    };
    match ms {
        Some(ms) if in_range(ms) => Ok(Some(ms)),
        _ => Err(n.to_string()),
    }
}

/// Milliseconds since the Unix epoch, now.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Civil date (year, month, day) from days since 1970-01-01 (proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Days since 1970-01-01 of a civil date (the inverse of [`civil_from_days`]).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Epoch ms of an RFC 3339 time in UTC, as servers write it
/// (`2026-12-03T06:20:58.543Z`; the fraction optional, `+00:00` for `Z`).
/// `None` for anything else, or a time outside years 1970-9999.
pub(crate) fn parse_rfc3339_ms(text: &str) -> Option<u64> {
    let t = text.trim();
    let (main, rest) = t.split_at_checked(19)?;
    let b = main.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = main.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let (frac, zone) = match rest.strip_prefix('.') {
        Some(r) => {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            (&r[..n], &r[n..])
        }
        None => ("", rest),
    };
    if !matches!(zone, "Z" | "z" | "+00:00" | "-00:00") {
        return None;
    }
    let ms = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u64, |a, c| a * 10 + u64::from(c - b'0'));
    let days = days_from_civil(i64::from(y), mo, d);
    let secs = days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s);
    let ms = u64::try_from(secs)
        .ok()?
        .checked_mul(1000)?
        .checked_add(ms)?;
    in_range(ms).then_some(ms)
}

/// `2026-11-24T14:26:28.713Z`. Times past [`MAX_MS`] (refused where they
/// come in) are written as it, never as a five-digit year.
pub(crate) fn rfc3339_ms(ms: u64) -> String {
    let ms = ms.min(MAX_MS);
    let secs = (ms / 1000) as i64;
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400) as u64;
    // Written digit by digit: this is on every `--json` line, and `format!`
    // costs more than the rest of the line's fields together.
    let mut b = *b"0000-00-00T00:00:00.000Z";
    let mut put = |at: usize, width: usize, mut n: u64| {
        for i in (at..at + width).rev() {
            b[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    // MAX_MS keeps the year within four digits (and 1970 and later).
    put(0, 4, y.clamp(0, 9999) as u64);
    put(5, 2, u64::from(mo));
    put(8, 2, u64::from(d));
    put(11, 2, sod / 3600);
    put(14, 2, sod % 3600 / 60);
    put(17, 2, sod % 60);
    put(20, 3, ms % 1000);
    String::from_utf8(b.to_vec()).unwrap_or_default()
}

/// `14:26:28.713` (UTC), for stream lines.
pub(crate) fn clock_ms(ms: u64) -> String {
    let sod = (ms / 1000) % 86_400;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60,
        ms % 1000
    )
}

/// A short age like `850ms`, `12s`, `3m05s`, `2h10m`, `4d`.
pub(crate) fn age(ms: u64) -> String {
    let s = ms / 1000;
    if ms < 1000 {
        format!("{ms}ms")
    } else if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else if s < 86_400 {
        format!("{}h{:02}m", s / 3600, s % 3600 / 60)
    } else {
        format!("{}d", s / 86_400)
    }
}

/// How long ago, to the unit a screen that updates itself needs (`rdx
/// ui`): `now` under a second, then `12s ago`, `3m ago`, `2h ago`, `4d ago`,
/// so an idle screen changes once a minute, then once an hour, not every
/// second.
pub(crate) fn ago(ms: u64) -> String {
    let s = ms / 1000;
    if ms < 1000 {
        "now".into()
    } else if s < 60 {
        format!("{s}s ago")
    } else if s < 3600 {
        format!("{}m ago", s / 60)
    } else if s < 86_400 {
        format!("{}h ago", s / 3600)
    } else {
        format!("{}d ago", s / 86_400)
    }
}

/// The age of `t` at `now` counted in whole seconds of the clock (ms, a
/// multiple of 1000): every age on a screen then moves on at the same
/// instant, once a second, whatever the ms of each time.
pub(crate) fn clock_age(now: u64, t: u64) -> u64 {
    (now / 1000).saturating_sub(t / 1000) * 1000
}

/// In how many ms [`ago`] of `ms` says something else.
pub(crate) fn ago_changes_in(ms: u64) -> u64 {
    let unit = match ms {
        0..60_000 => 1000,
        60_000..3_600_000 => 60_000,
        3_600_000..86_400_000 => 3_600_000,
        _ => 86_400_000,
    };
    unit - ms % unit
}

/// Parse `500ms`, `5s`, `2m`, `1h`, or a plain number of seconds (`1.5`).
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (num, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let value: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("invalid duration {text:?} (expected e.g. 500ms, 5s, 2m)"))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!(
            "invalid duration {text:?}: must be a positive number"
        ));
    }
    let scale = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => {
            return Err(format!(
                "invalid duration {text:?}: unknown unit {unit:?} (use ms, s, m or h)"
            ));
        }
    };
    let secs = value * scale;
    if secs > 1e9 {
        return Err(format!("invalid duration {text:?}: too long"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339() {
        assert_eq!(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_ms(1_795_520_108_713), "2026-11-24T11:35:08.713Z");
        assert_eq!(rfc3339_ms(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339_ms(4_107_542_399_999), "2100-02-28T23:59:59.999Z");
    }

    #[test]
    fn the_digit_writer_says_what_format_says() {
        let formatted = |ms: u64| {
            let secs = (ms / 1000) as i64;
            let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
            let sod = secs.rem_euclid(86_400);
            format!(
                "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
                sod / 3600,
                sod % 3600 / 60,
                sod % 60,
                ms % 1000
            )
        };
        // Every day boundary and odd millisecond over the whole range, by a
        // stride prime to the day's length.
        let mut ms = 0u64;
        while ms <= MAX_MS {
            assert_eq!(rfc3339_ms(ms), formatted(ms), "{ms}");
            ms += 86_399_997 * 37;
        }
    }

    #[test]
    fn times_out_of_range_are_refused_and_never_written_as_absurd_dates() {
        use serde_json::json;
        assert_eq!(rfc3339_ms(MAX_MS), "9999-12-31T23:59:59.999Z");
        for ms in [MAX_MS + 1, u64::MAX, i64::MAX as u64] {
            assert_eq!(rfc3339_ms(ms), "9999-12-31T23:59:59.999Z", "{ms}");
            assert!(!in_range(ms));
        }
        assert_eq!(ms_of(&json!(0)), Ok(Some(0)));
        assert_eq!(
            ms_of(&json!(1_795_520_108_713u64)),
            Ok(Some(1_795_520_108_713))
        );
        assert_eq!(ms_of(&json!(1.5e12)), Ok(Some(1_500_000_000_000)));
        assert_eq!(ms_of(&json!(12.9)), Ok(Some(12)));
        assert_eq!(ms_of(&json!(MAX_MS)), Ok(Some(MAX_MS)));
        for bad in [
            json!(MAX_MS + 1),
            json!(u64::MAX),
            json!(i64::MAX),
            json!(i64::MIN),
            json!(-1),
            json!(-0.5),
            json!(1e300),
            json!(9_007_199_254_740_993u64),
        ] {
            assert!(ms_of(&bad).is_err(), "{bad}");
        }
        assert_eq!(ms_of(&json!("12")), Ok(None));
        assert_eq!(ms_of(&json!(null)), Ok(None));
    }

    #[test]
    fn formats_clock_and_age() {
        assert_eq!(clock_ms(1_795_520_108_713), "11:35:08.713");
        for (ms, text) in [
            (999, "now"),
            (1_000, "1s ago"),
            (59_999, "59s ago"),
            (60_000, "1m ago"),
            (3_599_999, "59m ago"),
            (3_600_000, "1h ago"),
            (86_400_000, "1d ago"),
        ] {
            assert_eq!(ago(ms), text);
        }
        assert_eq!(clock_age(10_999, 9_001), 1000);
        assert_eq!(clock_age(10_000, 9_999), 1000);
        assert_eq!(clock_age(5, 9_999), 0);
        // ago(ms + changes_in(ms)) is the first different text.
        for ms in [
            0, 999, 1_500, 59_999, 60_000, 61_234, 3_599_999, 7_200_001, 90_000_000,
        ] {
            let n = ago_changes_in(ms);
            assert!(n > 0);
            assert_ne!(ago(ms + n), ago(ms), "{ms}");
            assert_eq!(ago(ms + n - 1), ago(ms), "{ms}");
        }
        assert_eq!(age(850), "850ms");
        assert_eq!(age(12_400), "12s");
        assert_eq!(age(185_000), "3m05s");
        assert_eq!(age(7_800_000), "2h10m");
        assert_eq!(age(3 * 86_400_000), "3d");
    }

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("5s").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("3").unwrap(), Duration::from_secs(3));
        assert_eq!(parse_duration("1.5").unwrap(), Duration::from_millis(1500));
        assert!(parse_duration("5x").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("ms").is_err());
    }

    #[test]
    fn rfc3339_parses_back() {
        for ms in [0u64, 1_796_279_062_733, 951_782_400_000, 4_102_444_800_999] {
            assert_eq!(parse_rfc3339_ms(&rfc3339_ms(ms)), Some(ms), "{ms}");
        }
        assert_eq!(
            parse_rfc3339_ms("2026-12-03T06:20:58Z"),
            Some(1_796_278_858_000)
        );
        assert_eq!(
            parse_rfc3339_ms("2026-12-03T06:20:58.5+00:00"),
            Some(1_796_278_858_500)
        );
        for bad in [
            "",
            "2026-12-03",
            "2026-13-03T06:20:58Z",
            "2026-12-03T06:20:58+01:00",
            "1969-12-31T23:59:59Z",
            "2026-12-03T06:20:58.5",
        ] {
            assert_eq!(parse_rfc3339_ms(bad), None, "{bad}");
        }
    }
}
