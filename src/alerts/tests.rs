//! Rule parsing, globs, and the config's errors located at file, line and key.

use std::path::Path;

use super::Severity;
use super::facts::Value;
use super::rule::{Op, Operand, glob, parse_condition, parse_duration, parse_severity};

#[test]
fn conditions_parse_with_each_op_and_typed_values() {
    let c = parse_condition("group_lag_seconds >= 30").unwrap();
    assert_eq!(
        (c.fact.name, c.op, &c.operand),
        ("group_lag_seconds", Op::Ge, &Operand::Number(30.0))
    );
    let c = parse_condition(r#"connector_state=="FAILED""#).unwrap();
    assert_eq!((c.op, &c.operand), (Op::Eq, &Operand::Text("FAILED".into())));
    for (text, op) in [("a > 1", Op::Gt), ("a < 1", Op::Lt), ("a <= 1", Op::Le), ("a != 1", Op::Ne)]
    {
        let c = parse_condition(&text.replace('a', "group_lag")).unwrap();
        assert_eq!(c.op, op, "{text}");
    }
    assert_eq!(parse_condition("group_lag  >  10").unwrap().to_string(), "group_lag > 10");
}

#[test]
fn bad_conditions_say_why() {
    let e = parse_condition("grup_lag > 3").unwrap_err();
    assert!(e.starts_with(r#"unknown fact "grup_lag" (known: group_lag, "#), "{e}");
    assert!(parse_condition("group_lag 3").unwrap_err().contains("not FACT OP VALUE"));
    assert!(parse_condition("group_lag > \"x\"").unwrap_err().contains("is a number"));
    assert!(parse_condition("connector_state == FAILED").unwrap_err().contains("quoted"));
    assert!(parse_condition(r#"connector_state > "A""#).unwrap_err().contains("only == and !="));
    let e = parse_condition(r#"group_verdict >= "BAD""#).unwrap_err();
    assert!(e.contains("OK, WARN, ERR, STOP, STALL, REWIND"), "{e}");
}

#[test]
fn ordered_texts_compare_by_rank_and_plain_texts_by_equality() {
    let worse = parse_condition(r#"group_verdict >= "ERR""#).unwrap();
    let holds = |c: &super::rule::Condition, v: &str| c.holds(&Value::Text(v.into()));
    assert!(holds(&worse, "STALL") && holds(&worse, "ERR") && holds(&worse, "STOP"));
    assert!(!holds(&worse, "WARN") && !holds(&worse, "OK"));
    let red = parse_condition(r#"slot_guard_level > "amber""#).unwrap();
    assert!(holds(&red, "red") && holds(&red, "lost") && !holds(&red, "amber"));
    let failed = parse_condition(r#"task_state != "RUNNING""#).unwrap();
    assert!(holds(&failed, "FAILED") && !holds(&failed, "RUNNING"));
    let n = parse_condition("group_lag > 10").unwrap();
    assert!(n.holds(&Value::Number(11.0)) && !n.holds(&Value::Number(10.0)));
    assert!(!n.holds(&Value::Text("11".into())), "a value of the wrong kind never holds");
}

#[test]
fn durations_severities_and_globs() {
    assert_eq!(parse_duration("2m").unwrap().as_secs(), 120);
    assert!(parse_duration("2 parsecs").is_err());
    assert_eq!(parse_severity("critical").unwrap(), Severity::Critical);
    assert!(parse_severity("loud").unwrap_err().contains("info, warning or critical"));
    assert!(glob("orders-*", "orders-sink") && glob("*", "") && glob("a?c", "abc"));
    assert!(glob("*-sink*", "orders-sink-2") && !glob("orders-*", "audit"));
    assert!(!glob("a?c", "ac") && glob("**x", "yx"));
}

fn err(text: &str) -> String {
    crate::config::parse(text, Path::new("conf/cdc.toml")).unwrap_err().to_string()
}

#[test]
fn config_errors_name_file_line_and_key() {
    let rule = "[[alerts.rules]]\nname = \"a\"\nwhen = \"group_lag > 1\"\n\n[[alerts.rules]]\nname = \"b\"\n";
    let e = err(&format!("{rule}when = \"grup_lag > 1\"\n"));
    assert!(e.starts_with("conf/cdc.toml:7:8: key `alerts.rules[1].when`"), "{e}");
    assert!(e.contains(r#"unknown fact "grup_lag" (known: group_lag"#), "{e}");
    let e = err(&format!("{rule}when = \"group_lag > 1\"\nfor = \"soon\"\n"));
    assert!(e.starts_with("conf/cdc.toml:8:7: key `alerts.rules[1].for`"), "{e}");
    let e = err(&format!("{rule}when = \"group_lag > 1\"\nseverity = \"loud\"\n"));
    assert!(e.starts_with("conf/cdc.toml:8:12: key `alerts.rules[1].severity`"), "{e}");
    let e = err("[alerts]\ndisable = [\"slot_lost\", \"slot_gone\"]\n");
    assert!(e.starts_with("conf/cdc.toml:2:11: key `alerts.disable`"), "{e}");
    assert!(e.contains(r#"no built-in rule "slot_gone""#), "{e}");
    let ok = crate::config::parse(
        &format!(
            "{rule}when = \"group_verdict >= \\\"ERR\\\"\"\nfor = \"2m\"\nseverity = \"info\"\n"
        ),
        Path::new("x.toml"),
    )
    .unwrap();
    assert_eq!(ok.alerts.rules[1].for_.as_deref(), Some("2m"));
}
