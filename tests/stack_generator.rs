//! `cdc-console generate` writes the mix it reports, at the rate it was asked for.

mod common;

use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn generate_writes_a_mix_at_the_target_rate_and_reports_what_it_did() {
    common::require_stack();
    let db = common::source_client().await;
    let before: i64 = db.query_one("SELECT count(*) FROM public.orders", &[]).await.unwrap().get(0);

    let out = common::console(
        &["generate", "--rate", "400", "--duration", "3s", "--seed", "7", "-o", "json"],
        &[],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = |k: &str| r[k].as_u64().unwrap_or_else(|| panic!("{k} in {r:#}"));

    let after: i64 = db.query_one("SELECT count(*) FROM public.orders", &[]).await.unwrap().get(0);
    assert_eq!(
        after - before,
        n("inserts") as i64 - n("deletes") as i64,
        "row count moved by inserts − deletes: {r:#}"
    );
    assert_eq!(n("changes"), n("inserts") + n("updates") + n("deletes"));
    assert!(n("inserts") > 0 && n("updates") > 0 && n("deletes") > 0, "{r:#}");
    let achieved = r["achieved_rate"].as_f64().unwrap();
    assert!((340.0..=420.0).contains(&achieved), "achieved {achieved}/s for a target of 400/s");
    assert!((1100..=1250).contains(&n("changes")), "{r:#}");
}
