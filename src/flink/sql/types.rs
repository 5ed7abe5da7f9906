//! PostgreSQL column types (as `format_type` names them) to the Flink SQL types that read the
//! stack's Debezium JSON the way the processor's decoder does: numbers as JSON numbers, numeric
//! as strings (`decimal.handling.mode=string`), timestamptz as ISO-8601 strings, timestamp as
//! epoch micro- or milliseconds.

use super::SqlError;

/// How a group-by column is read and written: the same Flink type on both sides.
pub fn group_type(column: &str, pg: &str) -> Result<String, SqlError> {
    let refused =
        || SqlError::ColumnType { column: column.into(), ty: pg.into(), role: "a group-by column" };
    let base = pg.split('(').next().unwrap_or(pg).trim();
    Ok(match base {
        "smallint" => "SMALLINT".into(),
        "integer" => "INT".into(),
        "bigint" => "BIGINT".into(),
        "boolean" => "BOOLEAN".into(),
        "real" => "FLOAT".into(),
        "double precision" => "DOUBLE".into(),
        "numeric" => decimal(pg).ok_or_else(refused)?,
        // Dates and times arrive as numbers or zoned strings and are written as timestamptz,
        // which Flink's JDBC writer cannot do faithfully: refused rather than guessed.
        t if t.starts_with("date")
            || t.starts_with("time")
            || t.starts_with("interval")
            || t.ends_with("[]") =>
        {
            return Err(refused());
        }
        // text, varchar, char, uuid, json, enums…: strings in Debezium's JSON (the sink's
        // `stringtype=unspecified` lets PostgreSQL cast them to the output column's type).
        _ => "STRING".into(),
    })
}

/// The decimal type of an aggregated column as read from the JSON, and whether its values are
/// exact in the processor (which keeps six decimal places).
pub struct ValueType {
    /// The Flink type the column is declared with in the source table.
    pub read: String,
    /// The expression turning the column into the DECIMAL the aggregates run on.
    pub decimal: String,
    /// The DECIMAL's precision and scale.
    pub precision: u32,
    pub scale: u32,
    /// Values the processor rounds (more than 6 decimals, or a float): named in a comment.
    pub rounded: Option<&'static str>,
}

/// An aggregated column: read as Debezium sends it, aggregated as a DECIMAL (SUM of an INT
/// would overflow in Flink, and the processor's sums are decimals).
pub fn value_type(column: &str, pg: &str, quoted: &str) -> Result<ValueType, SqlError> {
    let refused = || SqlError::ColumnType {
        column: column.into(),
        ty: pg.into(),
        role: "an aggregated column",
    };
    let base = pg.split('(').next().unwrap_or(pg).trim();
    let (read, precision, scale, rounded) = match base {
        "smallint" => ("SMALLINT".to_string(), 5, 0, None),
        "integer" => ("INT".into(), 10, 0, None),
        "bigint" => ("BIGINT".into(), 19, 0, None),
        "real" | "double precision" => (
            if base == "real" { "FLOAT" } else { "DOUBLE" }.into(),
            38,
            6,
            Some(
                "a float, rounded to 6 decimals from its shortest decimal form by the processor, from its binary value by Flink",
            ),
        ),
        "numeric" => {
            let ty = decimal(pg).ok_or_else(refused)?;
            let (p, s) = precision_scale(pg).unwrap_or((38, 6));
            let rounded =
                (s > 6).then_some("more than 6 decimals, which the processor rounds away");
            (ty, p, s, rounded)
        }
        _ => return Err(refused()),
    };
    let decimal = if read.starts_with("DECIMAL") {
        quoted.to_string()
    } else {
        format!("CAST({quoted} AS DECIMAL({precision}, {scale}))")
    };
    Ok(ValueType { read, decimal, precision, scale, rounded })
}

/// `numeric(p,s)` → `DECIMAL(p, s)`; bare `numeric` → `DECIMAL(38, 6)` (the processor's six
/// decimals, half away from zero as Flink's HALF_UP); None beyond Flink's 38 digits.
fn decimal(pg: &str) -> Option<String> {
    let (p, s) = precision_scale(pg).unwrap_or((38, 6));
    (p <= 38).then(|| format!("DECIMAL({p}, {s})"))
}

fn precision_scale(pg: &str) -> Option<(u32, u32)> {
    let inner = pg.split_once('(')?.1.strip_suffix(')')?;
    let (p, s) = inner.split_once(',').unwrap_or((inner, "0"));
    Some((p.trim().parse().ok()?, s.trim().parse().ok()?))
}

/// How the job's event time is read: the declared column, and the expression of its epoch
/// milliseconds as a Flink `TIMESTAMP_LTZ(3)` for the watermark.
pub enum EventTimeRead {
    /// timestamptz: an ISO-8601 string, read as `TIMESTAMP_LTZ(6)` and truncated to ms.
    Zoned,
    /// timestamp: epoch microseconds (or milliseconds, by magnitude, as the processor reads).
    Epoch,
}

pub fn event_time_read(column: &str, pg: &str) -> Result<EventTimeRead, SqlError> {
    if pg.starts_with("timestamp with time zone") {
        Ok(EventTimeRead::Zoned)
    } else if pg.starts_with("timestamp") {
        Ok(EventTimeRead::Epoch)
    } else {
        Err(SqlError::ColumnType {
            column: column.into(),
            ty: pg.into(),
            role: "the event-time column",
        })
    }
}

/// A span as a Flink interval literal: whole seconds, minutes or hours when it is one (their
/// leading precision is 2 digits, so only below 100), else `DAY TO SECOND(3)`.
pub fn interval(ms: i64) -> String {
    for (unit, size) in [("HOUR", 3_600_000), ("MINUTE", 60_000), ("SECOND", 1_000)] {
        if ms % size == 0 && ms / size < 100 {
            return format!("INTERVAL '{}' {unit}", ms / size);
        }
    }
    let (days, rest) = (ms / 86_400_000, ms % 86_400_000);
    let (h, m, s, milli) = (rest / 3_600_000, rest / 60_000 % 60, rest / 1_000 % 60, rest % 1_000);
    format!("INTERVAL '{days} {h:02}:{m:02}:{s:02}.{milli:03}' DAY TO SECOND(3)")
}

/// A span as a Flink duration option value (`30 s`, `500 ms`).
pub fn duration(ms: i64) -> String {
    if ms % 1_000 == 0 { format!("{} s", ms / 1_000) } else { format!("{ms} ms") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_literals_flink_accepts() {
        assert_eq!(interval(2_000), "INTERVAL '2' SECOND");
        assert_eq!(interval(60_000), "INTERVAL '1' MINUTE");
        assert_eq!(interval(300_000), "INTERVAL '5' MINUTE");
        assert_eq!(interval(7_200_000), "INTERVAL '2' HOUR");
        assert_eq!(interval(500), "INTERVAL '0 00:00:00.500' DAY TO SECOND(3)");
        assert_eq!(interval(120_000_000), "INTERVAL '1 09:20:00.000' DAY TO SECOND(3)");
        assert_eq!(duration(30_000), "30 s");
        assert_eq!(duration(1_500), "1500 ms");
    }

    #[test]
    fn types_follow_debeziums_json() {
        assert_eq!(group_type("s", "text").unwrap(), "STRING");
        assert_eq!(group_type("n", "numeric(12,2)").unwrap(), "DECIMAL(12, 2)");
        assert_eq!(group_type("n", "numeric").unwrap(), "DECIMAL(38, 6)");
        assert!(group_type("d", "date").is_err());
        let v = value_type("a", "numeric(12,2)", "`a`").unwrap();
        assert_eq!((v.read.as_str(), v.decimal.as_str(), v.scale), ("DECIMAL(12, 2)", "`a`", 2));
        let v = value_type("q", "integer", "`q`").unwrap();
        assert_eq!(v.decimal, "CAST(`q` AS DECIMAL(10, 0))");
        assert!(value_type("t", "text", "`t`").is_err());
    }
}
