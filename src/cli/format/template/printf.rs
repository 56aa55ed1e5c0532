//! Go's `fmt.Sprintf` for the template `printf` function, on JSON values.
//! Supports the flags `-`, `+`, `0`, a width, a precision and the verbs
//! v s q t d x X o b c f F e E g G and `%%`. Mistakes print inline the way Go
//! prints them (`%!d(string=abc)`, `%!s(MISSING)`, `%!(EXTRA int=1)`) rather than
//! failing, so a typo in a format never hides the rest of the output.

use std::iter::Peekable;
use std::str::Chars;

use serde_json::Value;

use super::value::{to_text, type_name};
use crate::cli::humanize::go_format_g;

#[derive(Default)]
struct Spec {
    left: bool,
    plus: bool,
    zero: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut next_arg = 0;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&flag) = chars.peek() {
            match flag {
                '-' => spec.left = true,
                '+' => spec.plus = true,
                '0' => spec.zero = true,
                '#' | ' ' => {}
                _ => break,
            }
            chars.next();
        }
        spec.width = number(&mut chars);
        if chars.next_if_eq(&'.').is_some() {
            spec.precision = Some(number(&mut chars).unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        match args.get(next_arg) {
            Some(arg) => out.push_str(&format_arg(verb, &spec, arg)),
            None => out.push_str(&format!("%!{verb}(MISSING)")),
        }
        next_arg += 1;
    }
    if let Some(extra) = args.get(next_arg..).filter(|extra| !extra.is_empty()) {
        let listed: Vec<String> = extra
            .iter()
            .map(|a| format!("{}={}", type_name(a), to_text(a)))
            .collect();
        out.push_str(&format!("%!(EXTRA {})", listed.join(", ")));
    }
    out
}

fn number(chars: &mut Peekable<Chars>) -> Option<usize> {
    let mut digits = String::new();
    while let Some(d) = chars.next_if(char::is_ascii_digit) {
        digits.push(d);
    }
    digits.parse().ok()
}

fn format_arg(verb: char, spec: &Spec, arg: &Value) -> String {
    let integer = || {
        arg.as_i64()
            .map(i128::from)
            .or_else(|| arg.as_u64().map(i128::from))
    };
    let float = || arg.as_f64();
    let signed_radix = |radix: fn(u128) -> String| {
        integer().map(|i| {
            format!(
                "{}{}",
                if i < 0 { "-" } else { "" },
                radix(i.unsigned_abs())
            )
        })
    };
    let body = match verb {
        'v' => Some(to_text(arg)),
        's' => {
            let text = arg.as_str().map_or_else(|| to_text(arg), str::to_string);
            Some(match spec.precision {
                Some(p) => text.chars().take(p).collect(),
                None => text,
            })
        }
        'q' => arg.as_str().and_then(|s| serde_json::to_string(s).ok()),
        't' => arg.as_bool().map(|b| b.to_string()),
        'd' => integer().map(|i| i.to_string()),
        'x' => signed_radix(|u| format!("{u:x}")).or_else(|| arg.as_str().map(hex)),
        'X' => signed_radix(|u| format!("{u:X}"))
            .or_else(|| arg.as_str().map(|s| hex(s).to_uppercase())),
        'o' => signed_radix(|u| format!("{u:o}")),
        'b' => signed_radix(|u| format!("{u:b}")),
        'c' => integer()
            .and_then(|i| u32::try_from(i).ok())
            .and_then(char::from_u32)
            .map(String::from),
        'f' | 'F' => float().map(|f| format!("{:.*}", spec.precision.unwrap_or(6), f)),
        'e' | 'E' => float().map(|f| go_exponent(f, spec.precision.unwrap_or(6), verb == 'E')),
        'g' | 'G' => float().map(|f| go_format_g(f, spec.precision)),
        _ => None,
    };
    let Some(body) = body else {
        return format!("%!{verb}({}={})", type_name(arg), to_text(arg));
    };
    let numeric = arg.is_number() && !matches!(verb, 'v' | 's' | 'c');
    let body = if spec.plus && numeric && !body.starts_with('-') {
        format!("+{body}")
    } else {
        body
    };
    pad(body, spec, numeric)
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Go's `%e`: at least two exponent digits and an explicit sign ("1.500000e+06").
fn go_exponent(value: f64, precision: usize, upper: bool) -> String {
    let rust = format!("{value:.precision$e}");
    let Some((mantissa, exponent)) = rust.split_once('e') else {
        return rust;
    };
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let sign = if exponent < 0 { '-' } else { '+' };
    let e = if upper { 'E' } else { 'e' };
    format!("{mantissa}{e}{sign}{:02}", exponent.abs())
}

fn pad(body: String, spec: &Spec, numeric: bool) -> String {
    let len = body.chars().count();
    let Some(fill) = spec
        .width
        .and_then(|w| w.checked_sub(len))
        .filter(|&f| f > 0)
    else {
        return body;
    };
    if spec.left {
        return body + &" ".repeat(fill);
    }
    if spec.zero && numeric {
        // Zeros go between the sign and the digits.
        let split = usize::from(body.starts_with(['-', '+']));
        return format!("{}{}{}", &body[..split], "0".repeat(fill), &body[split..]);
    }
    " ".repeat(fill) + &body
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f(format: &str, args: &[Value]) -> String {
        sprintf(format, args)
    }

    #[test]
    fn common_verbs_match_go() {
        assert_eq!(f("%s=%v", &[json!("a"), json!(1)]), "a=1");
        assert_eq!(f("%d%%", &[json!(42)]), "42%");
        assert_eq!(f("%q", &[json!("x\"y")]), r#""x\"y""#);
        assert_eq!(f("%t", &[json!(true)]), "true");
        assert_eq!(
            f("%x %X %o %b", &[json!(255), json!(255), json!(8), json!(5)]),
            "ff FF 10 101"
        );
        assert_eq!(f("%x", &[json!("hi")]), "6869");
        assert_eq!(f("%x", &[json!(-255)]), "-ff");
        assert_eq!(f("%c", &[json!(65)]), "A");
        assert_eq!(f("%.2f", &[json!(1.005)]), "1.00");
        assert_eq!(f("%f", &[json!(2)]), "2.000000");
        assert_eq!(f("%e", &[json!(1500000.0)]), "1.500000e+06");
        assert_eq!(f("%g", &[json!(0.00001)]), "1e-05");
        assert_eq!(f("%v", &[json!(["a", "b"])]), "[a b]");
    }

    #[test]
    fn width_precision_and_flags() {
        assert_eq!(f("[%5s]", &[json!("ab")]), "[   ab]");
        assert_eq!(f("[%-5s]", &[json!("ab")]), "[ab   ]");
        assert_eq!(f("[%.2s]", &[json!("abcdef")]), "[ab]");
        assert_eq!(f("[%05d]", &[json!(-42)]), "[-0042]");
        assert_eq!(f("[%+d]", &[json!(7)]), "[+7]");
        assert_eq!(f("[%8.3f]", &[json!(1.23456)]), "[   1.235]");
    }

    #[test]
    fn mistakes_print_inline_like_go() {
        assert_eq!(f("%d", &[json!("abc")]), "%!d(string=abc)");
        assert_eq!(f("%s and %s", &[json!("one")]), "one and %!s(MISSING)");
        assert_eq!(
            f("hi", &[json!(1), json!("x")]),
            "hi%!(EXTRA int=1, string=x)"
        );
        assert_eq!(f("50%", &[]), "50%!(NOVERB)");
    }
}
