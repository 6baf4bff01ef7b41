//! Checks of value formats: Go durations, NATS sizes, Kubernetes quantities, names and labels.

use crate::error::quote;

/// The longest duration Go reads: 2^63-1 nanoseconds.
pub(crate) const MAX_DURATION: &str = "2562047h47m16.854775807s";

/// Checks a Go `time.ParseDuration` string; the error text follows Go's, and a duration past
/// Go's range (2^63-1 nanoseconds) names the largest one allowed.
pub(crate) fn go_duration(s: &str) -> Result<(), String> {
    go_duration_nanos(s).map(|_| ())
}

/// Reads a Go `time.ParseDuration` string into nanoseconds (negative for `-1s`), with the
/// errors of [`go_duration`].
pub(crate) fn go_duration_nanos(s: &str) -> Result<i128, String> {
    let q = quote(s);
    let invalid = || format!("time: invalid duration {q}");
    let mut rest = s.strip_prefix(['-', '+']).unwrap_or(s);
    let negative = s.starts_with('-');
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    // Nanoseconds so far, exact (integer parts) plus truncated fractions, as Go adds them up.
    let mut total: u128 = 0;
    let limit: u128 = if negative { 1 << 63 } else { (1 << 63) - 1 };
    let mut overflow = false;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let number = &rest[..digits];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return Err(invalid());
        }
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        if unit.is_empty() {
            return Err(format!("time: missing unit in duration {q}"));
        }
        let nanos: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {q}",
                    quote(unit)
                ));
            }
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        let whole: u128 = if whole.len() > 30 {
            u128::MAX
        } else {
            whole.parse().unwrap_or(0)
        };
        let mut part = whole.saturating_mul(nanos);
        if !fraction.is_empty() {
            // Go keeps about 19 digits of a fraction and truncates what they are worth.
            let kept = &fraction[..fraction.len().min(18)];
            let scale = 10u128.pow(kept.len() as u32);
            part = part.saturating_add(kept.parse::<u128>().unwrap_or(0) * nanos / scale);
        }
        total = total.saturating_add(part);
        overflow |= total > limit;
        rest = &rest[unit_len..];
    }
    if overflow {
        return Err(format!(
            "time: invalid duration {q}: longer than the largest duration Go reads, \
             {MAX_DURATION}"
        ));
    }
    let total = total as i128;
    Ok(if negative { -total } else { total })
}

/// Checks a size as the NATS config parser reads it (`1MB`, `64KB`, `1GB`, `1048576`): a whole
/// number and an optional unit (`k` is 1000, `kb`, `ki` and `kib` are 1024, and so on up to
/// `e`), at most 2^63-1 bytes in all.
pub(crate) fn nats_size(s: &str) -> Result<(), String> {
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let suffix = s[digits..].to_ascii_lowercase();
    let power = match suffix.trim_end_matches(['b', 'i']) {
        "" => 0,
        "k" => 1,
        "m" => 2,
        "g" => 3,
        "t" => 4,
        "p" => 5,
        "e" => 6,
        _ => 7,
    };
    let base: u128 = if suffix.len() == 1 { 1000 } else { 1024 };
    if digits > 0 && power < 7 {
        let number: u128 = if digits > 30 {
            u128::MAX
        } else {
            s[..digits].parse().unwrap_or(u128::MAX)
        };
        if number.saturating_mul(base.pow(power)) > i64::MAX as u128 {
            return Err(format!(
                "{} is larger than NATS reads; the largest size is {} bytes (8EB less one byte)",
                quote(s),
                i64::MAX
            ));
        }
    }
    let ok = digits > 0
        && matches!(
            suffix.as_str(),
            "" | "k"
                | "kb"
                | "ki"
                | "kib"
                | "m"
                | "mb"
                | "mi"
                | "mib"
                | "g"
                | "gb"
                | "gi"
                | "gib"
                | "t"
                | "tb"
                | "ti"
                | "tib"
                | "p"
                | "pb"
                | "pi"
                | "pib"
                | "e"
                | "eb"
                | "ei"
                | "eib"
        );
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{} is not a NATS size; write a whole number with an optional unit such as 512KB, 1MB or 1GB",
            quote(s)
        ))
    }
}

/// Checks a Kubernetes resource quantity (`10Gi`, `500m`, `1.5`, `1e3`).
pub(crate) fn quantity(s: &str) -> Result<(), String> {
    let err = || {
        format!(
            "{} is not a Kubernetes quantity; examples: 10Gi, 500Mi, 250m, 2",
            quote(s)
        )
    };
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let num_end = body
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(body.len());
    let number = &body[..num_end];
    if number.is_empty() || number == "." || number.matches('.').count() > 1 {
        return Err(err());
    }
    let suffix = &body[num_end..];
    let ok = match suffix {
        "" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" | "n" | "u" | "m" | "k" | "M" | "G" | "T"
        | "P" | "E" => true,
        _ => {
            let exp = suffix.strip_prefix(['e', 'E']);
            match exp {
                Some(e) => {
                    let e = e.strip_prefix(['+', '-']).unwrap_or(e);
                    !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
                }
                None => false,
            }
        }
    };
    if ok { Ok(()) } else { Err(err()) }
}

/// Checks a quantity that Kubernetes requires to be at least zero (resource requests and
/// limits, volume sizes).
pub(crate) fn non_negative_quantity(s: &str) -> Result<(), String> {
    quantity(s)?;
    if s.starts_with('-')
        && s.trim_start_matches('-')
            .chars()
            .any(|c| c.is_ascii_digit() && c != '0')
    {
        return Err(format!(
            "{} is negative; Kubernetes accepts only quantities of 0 or more here",
            quote(s)
        ));
    }
    Ok(())
}

/// Checks an RFC 1123 DNS label (lower-case alphanumerics and `-`, at most 63 characters).
pub(crate) fn dns_label(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{} is not a valid DNS-1123 label: use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit",
            quote(s)
        ))
    }
}

/// Checks an RFC 1123 DNS subdomain (dot-separated labels, at most 253 characters).
pub(crate) fn dns_subdomain(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{} is not a valid DNS-1123 subdomain: use lower-case letters, digits, '-' and '.', at most 253 characters",
            quote(s)
        ))
    }
}

fn qualified_name_part(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && s.as_bytes()[0].is_ascii_alphanumeric()
        && s.as_bytes()[s.len() - 1].is_ascii_alphanumeric()
}

/// Checks a label or annotation key (`[prefix/]name`).
pub(crate) fn label_key(s: &str) -> Result<(), String> {
    let ok = match s.split_once('/') {
        Some((prefix, name)) => dns_subdomain(prefix).is_ok() && qualified_name_part(name),
        None => qualified_name_part(s),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{} is not a valid key: an optional DNS subdomain prefix and '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
            quote(s)
        ))
    }
}

/// Checks a label value (empty, or at most 63 letters, digits, `-`, `_`, `.`).
pub(crate) fn label_value(s: &str) -> Result<(), String> {
    if s.is_empty() || qualified_name_part(s) {
        Ok(())
    } else {
        Err(format!(
            "{} is not a valid label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
            quote(s)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_quantities_are_refused_where_kubernetes_refuses_them() {
        assert!(non_negative_quantity("1Gi").is_ok() && non_negative_quantity("0").is_ok());
        assert!(non_negative_quantity("-0").is_ok());
        assert!(
            non_negative_quantity("-1Gi")
                .unwrap_err()
                .contains("negative")
        );
        assert!(non_negative_quantity("x").is_err());
    }

    #[test]
    fn durations_follow_go() {
        for ok in [
            "72h", "4h35m", "90m", "1.5h", "100ms", "0", "2s", "1h0m0.5s", "10us",
        ] {
            assert!(go_duration(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            go_duration("1d").unwrap_err(),
            "time: unknown unit \"d\" in duration \"1d\""
        );
        assert_eq!(
            go_duration("10").unwrap_err(),
            "time: missing unit in duration \"10\""
        );
        assert_eq!(
            go_duration("abc").unwrap_err(),
            "time: invalid duration \"abc\""
        );
        assert!(go_duration("").is_err());
    }

    #[test]
    fn sizes_and_quantities() {
        for ok in ["1MB", "1GB", "64kb", "1048576", "2Mi"] {
            assert!(nats_size(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1.5MB", "MB", "1 MB", "1XB"] {
            assert!(nats_size(bad).is_err(), "{bad}");
        }
        for ok in ["10Gi", "500m", "1.5", "1e3", "0", "20G"] {
            assert!(quantity(ok).is_ok(), "{ok}");
        }
        for bad in ["10Gb", "ten", "", "1..2Gi"] {
            assert!(quantity(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_and_labels() {
        assert!(dns_label("default").is_ok());
        assert!(dns_label("Default").is_err());
        assert!(dns_label("a_b").is_err());
        assert!(dns_subdomain("fast.ssd-1").is_ok());
        assert!(label_key("app.kubernetes.io/name").is_ok());
        assert!(label_key("bad key").is_err());
        assert!(label_value("").is_ok());
        assert!(label_value("-x").is_err());
    }
}

#[cfg(test)]
mod range_tests {
    use super::*;

    #[test]
    fn durations_past_go_range_name_the_largest() {
        assert!(go_duration(MAX_DURATION).is_ok());
        assert!(go_duration("2562047h").is_ok());
        assert!(go_duration("-2562047h47m16.854775808s").is_ok());
        for s in [
            "3000000h",
            "9999999999999999999999s",
            "2562047h47m16.854775808s",
        ] {
            let e = go_duration(s).unwrap_err();
            assert!(e.contains(MAX_DURATION), "{e}");
        }
    }

    #[test]
    fn sizes_past_int64_name_the_largest() {
        assert!(nats_size("8191PB").is_ok());
        assert!(nats_size("9223372036854775807").is_ok());
        for s in ["99999999999999999999999TB", "8EB", "9223372036854775808"] {
            let e = nats_size(s).unwrap_err();
            assert!(e.contains("9223372036854775807"), "{e}");
        }
    }
}
