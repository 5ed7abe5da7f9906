//! Tests of `job`.
use super::*;

fn job(extra: &str) -> Result<JobConfig, String> {
    let text = format!(
        "name = \"j\"\ntopics = [\"t\"]\nsource_tables = [\"public.t\"]\naggregates = [{{ fn = \"count\" }}]\noutput = {{ table = \"cdc.j\" }}\n{extra}"
    );
    toml::from_str(&text).map_err(|e| e.to_string())
}

#[test]
fn defaults_and_output_names() {
    let j = job("window = { kind = \"hopping\", size = \"1m\", slide = \"10s\" }").unwrap();
    assert_eq!(j.event_time_column(), None);
    assert_eq!(j.out_of_orderness.as_millis(), 2000);
    assert_eq!(j.allowed_lateness.as_millis(), 0);
    let d = JobConfig::orders_by_status();
    let names: Vec<_> = d.aggregates.iter().map(AggregateConfig::output_column).collect();
    assert_eq!(names, ["count", "sum_amount", "avg_amount", "min_amount", "max_amount"]);
    assert_eq!(d.event_time_column(), Some("updated_at"));
}

#[test]
fn bad_windows_are_refused() {
    let e = job("window = { kind = \"tumbling\", size = \"0s\" }").unwrap_err();
    assert!(e.contains("at least 1ms"), "{e}");
    let e = job("window = { kind = \"hopping\", size = \"10s\", slide = \"1m\" }").unwrap_err();
    assert!(e.contains("longer than size"), "{e}");
    let e = job("window = { kind = \"hopping\", size = \"25s\", slide = \"10s\" }").unwrap_err();
    assert!(e.contains("not a multiple"), "{e}");
    let e = job("window = { kind = \"session\", gap = \"soon\" }").unwrap_err();
    assert!(e.contains("not a duration"), "{e}");
    let e = job("window = { kind = \"sliding\", size = \"1s\" }").unwrap_err();
    assert!(e.contains("sliding"), "{e}");
}

#[test]
fn round_trips_through_toml() {
    let d = JobConfig::orders_by_status();
    let text = toml::to_string(&d).unwrap();
    assert_eq!(toml::from_str::<JobConfig>(&text).unwrap(), d);
}

#[test]
fn a_bad_job_in_the_config_file_names_its_key() {
    let head = "[[jobs]]\nname = \"j\"\ntopics = [\"t\"]\nsource_tables = []\naggregates = [{ fn = \"count\" }]\noutput = { table = \"cdc.j\" }\n";
    let parse = |extra: &str| {
        let text = format!("{head}{extra}");
        crate::config::parse(&text, std::path::Path::new("c.toml")).unwrap_err().to_string()
    };
    let e = parse("window = { kind = \"tumbling\", size = \"10s\" }\nlateness = \"1s\"\n");
    assert!(e.starts_with("c.toml:8:1: key `jobs[0].lateness`"), "{e}");
    let e = parse("window = { kind = \"hopping\", size = \"25s\", slide = \"10s\" }\n");
    assert!(e.contains("key `jobs[0].window`") && e.contains("not a multiple"), "{e}");
    let e = parse("window = { kind = \"tumbling\", size = \"10s\" }\nidle_timeout = \"often\"\n");
    assert!(e.starts_with("c.toml:8:16: key `jobs[0].idle_timeout`"), "{e}");
}
