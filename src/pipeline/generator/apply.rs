//! The generator's SQL: the live rows it starts from, and one batch as one transaction of at most
//! three set-based statements.

use tokio_postgres::Client;

use super::workload::Batch;

/// The newest live orders, the rows a run may update or delete.
pub(super) async fn live_orders(c: &Client) -> Result<Vec<i64>, tokio_postgres::Error> {
    let rows = c
        .query("SELECT order_id FROM public.orders ORDER BY order_id DESC LIMIT 100000", &[])
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// What the server reports a batch wrote, and the ids of the rows it inserted.
pub(super) struct Applied {
    pub new_ids: Vec<i64>,
    pub inserts: u64,
    pub updates: u64,
    pub deletes: u64,
}

pub(super) async fn apply(
    client: &mut Client,
    b: &Batch,
) -> Result<Applied, tokio_postgres::Error> {
    let tx = client.transaction().await?;
    let mut new_ids = Vec::new();
    if !b.inserts.is_empty() {
        let users: Vec<i64> = b.inserts.iter().map(|o| o.user_id).collect();
        let names: Vec<&str> = b.inserts.iter().map(|o| o.customer_name.as_str()).collect();
        let amounts: Vec<&str> = b.inserts.iter().map(|o| o.amount.as_str()).collect();
        let statuses: Vec<&str> = b.inserts.iter().map(|o| o.status).collect();
        let rows = tx
            .query(
                "INSERT INTO public.orders (user_id, customer_name, amount, status)
                 SELECT u, n, a::numeric, s FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[]) AS t(u, n, a, s)
                 RETURNING order_id",
                &[&users, &names, &amounts, &statuses],
            )
            .await?;
        new_ids = rows.iter().map(|r| r.get(0)).collect();
    }
    let mut updates = 0;
    if !b.updates.is_empty() {
        let ids: Vec<i64> = b.updates.iter().map(|u| u.0).collect();
        let statuses: Vec<&str> = b.updates.iter().map(|u| u.1).collect();
        let amounts: Vec<&str> = b.updates.iter().map(|u| u.2.as_str()).collect();
        updates = tx
            .execute(
                "UPDATE public.orders o SET status = t.s, amount = t.a::numeric, updated_at = now()
                   FROM unnest($1::int8[], $2::text[], $3::text[]) AS t(id, s, a) WHERE o.order_id = t.id",
                &[&ids, &statuses, &amounts],
            )
            .await?;
    }
    let mut deletes = 0;
    if !b.deletes.is_empty() {
        deletes =
            tx.execute("DELETE FROM public.orders WHERE order_id = ANY($1)", &[&b.deletes]).await?;
    }
    tx.commit().await?;
    Ok(Applied { inserts: new_ids.len() as u64, new_ids, updates, deletes })
}
