//! The checks as JUnit XML, the format CI systems publish as test reports: one testsuite
//! "cdc-console check", a testcase per check (classname: its kind), a failed check a
//! `<failure>`, one that could not run an `<error>`, with the reason as message and the details
//! as text.

use std::fmt::Write as _;
use std::time::Duration;

use super::model::{Check, Outcome};

pub const SUITE: &str = "cdc-console check";

/// The whole document; `total` is how long the run took, `timestamp` when it started (RFC 3339).
pub fn render(checks: &[Check], total: Duration, timestamp: &str) -> String {
    let count = |o| checks.iter().filter(|c| c.result == o).count();
    let (tests, failures, errors) = (checks.len(), count(Outcome::Fail), count(Outcome::Error));
    let time = seconds(total);
    let name = attr(SUITE);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let counts = format!("tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\"");
    let _ = writeln!(out, "<testsuites name=\"{name}\" {counts} time=\"{time}\">");
    let _ = writeln!(
        out,
        "  <testsuite name=\"{name}\" {counts} skipped=\"0\" time=\"{time}\" timestamp=\"{}\">",
        attr(timestamp)
    );
    for c in checks {
        testcase(&mut out, c);
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn testcase(out: &mut String, c: &Check) {
    let _ = write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" time=\"{}\"",
        attr(&c.name),
        c.kind.as_str(),
        seconds(c.took)
    );
    let element = match c.result {
        Outcome::Pass => {
            let _ = writeln!(out, ">\n      <system-out>{}</system-out>", text(&c.reason));
            out.push_str("    </testcase>\n");
            return;
        }
        Outcome::Fail => "failure",
        Outcome::Error => "error",
    };
    let body = if c.details.is_empty() { c.reason.clone() } else { c.details.join("\n") };
    let _ = writeln!(
        out,
        ">\n      <{element} message=\"{}\" type=\"{element}\">{}</{element}>\n    </testcase>",
        attr(&c.reason),
        text(&body)
    );
}

fn seconds(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

/// Character data: `&`, `<` and `>` escaped, characters XML 1.0 cannot carry at all (control
/// characters but tab, newline and carriage return) replaced.
pub fn text(s: &str) -> String {
    escape(s, false)
}

/// An attribute value (in double quotes): also `"` and `'`, and line breaks kept as references
/// (a parser would fold a literal one into a space).
pub fn attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\t' | '\n' => out.push(ch),
            c if allowed(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// XML 1.0's Char production (without tab, newline, carriage return: handled above).
fn allowed(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

#[cfg(test)]
mod tests {
    use super::super::model::Kind;
    use super::*;

    #[test]
    fn markup_quotes_and_control_characters_are_escaped() {
        assert_eq!(text("a < b && c > d"), "a &lt; b &amp;&amp; c &gt; d");
        assert_eq!(text("say \"hi\"\n\tok"), "say \"hi\"\n\tok");
        assert_eq!(attr("it's \"x\"\nnext"), "it&apos;s &quot;x&quot;&#10;next");
        assert_eq!(text("bell\u{7}nul\u{0}\r"), "bell\u{FFFD}nul\u{FFFD}&#13;");
        assert_eq!(text("]]> ✓ 𝄞"), "]]&gt; ✓ 𝄞");
    }

    #[test]
    fn a_suite_counts_tests_failures_and_errors_with_one_testcase_per_check() {
        let checks = vec![
            Check::new(Kind::Health, "kafka", Outcome::Pass, "3 brokers <up>"),
            Check::new(Kind::Consistency, "o&i", Outcome::Fail, "cdc.t: key \"2\" changed")
                .details(vec!["order_id=2 changed: status".into(), "and <1> more".into()])
                .took(Duration::from_millis(1500)),
            Check::new(Kind::Lag, "g", Outcome::Error, "unreadable"),
        ];
        let xml = render(&checks, Duration::from_millis(2250), "2026-12-06T19:00:00Z");
        assert_eq!(
            xml,
            r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="cdc-console check" tests="3" failures="1" errors="1" time="2.250">
  <testsuite name="cdc-console check" tests="3" failures="1" errors="1" skipped="0" time="2.250" timestamp="2026-12-06T19:00:00Z">
    <testcase name="kafka" classname="health" time="0.000">
      <system-out>3 brokers &lt;up&gt;</system-out>
    </testcase>
    <testcase name="o&amp;i" classname="consistency" time="1.500">
      <failure message="cdc.t: key &quot;2&quot; changed" type="failure">order_id=2 changed: status
and &lt;1&gt; more</failure>
    </testcase>
    <testcase name="g" classname="lag" time="0.000">
      <error message="unreadable" type="error">unreadable</error>
    </testcase>
  </testsuite>
</testsuites>
"#
        );
        let doc = roxmltree::Document::parse(&xml).expect("well-formed");
        let failure = doc.descendants().find(|n| n.has_tag_name("failure")).expect("failure");
        assert_eq!(failure.attribute("message"), Some("cdc.t: key \"2\" changed"));
        assert_eq!(failure.text(), Some("order_id=2 changed: status\nand <1> more"));
        let odd = Check::new(Kind::Health, "x", Outcome::Fail, "a\nb\u{1b}[0m 'q'");
        let doc = render(&[odd], Duration::ZERO, "t");
        let doc = roxmltree::Document::parse(&doc).expect("well-formed with control characters");
        let failure = doc.descendants().find(|n| n.has_tag_name("failure")).expect("failure");
        assert_eq!(failure.attribute("message"), Some("a\nb\u{FFFD}[0m 'q'"));
    }
}
