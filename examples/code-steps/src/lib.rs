//! The code steps of this application's migrations: Rust functions that revision
//! `c0de00000002` calls (`op = "call"`) inside its transaction. The binary hands them
//! to the embedded migrations, `migrations/env.rs` to `cargo alembic`.

use alembic::code_steps::{CodeSteps, StepContext, StepFuture, StepResult};
use alembic::rusqlite;
use alembic::tokio_postgres;

/// Every code step, for each database the application runs on.
pub fn code_steps() -> CodeSteps {
    CodeSteps::new()
        .sqlite("split_full_name", split_full_name_sqlite)
        .sqlite("join_full_name", join_full_name_sqlite)
        .postgresql("split_full_name", split_full_name_postgres)
        .postgresql("join_full_name", join_full_name_postgres)
}

/// `"Ada King Lovelace"` → `("Ada", "King Lovelace")`: the first word, and the rest.
pub fn split(full_name: &str) -> Result<(&str, &str), String> {
    full_name
        .trim()
        .split_once(' ')
        .map(|(first, last)| (first, last.trim_start()))
        .ok_or_else(|| format!("full name {full_name:?} has no space"))
}

/// Rows per `UPDATE` (the op's `args.batch`).
fn batch(step: &StepContext<'_>) -> usize {
    step.args().get("batch").and_then(|v| v.as_integer()).map_or(10_000, |n| n.max(1) as usize)
}

fn split_full_name_sqlite(tx: &rusqlite::Connection, _step: &StepContext<'_>) -> StepResult {
    let people: Vec<(i64, String)> = tx
        .prepare("SELECT id, full_name FROM people ORDER BY id")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut update = tx.prepare("UPDATE people SET first_name = ?1, last_name = ?2 WHERE id = ?3")?;
    for (done, (id, full_name)) in people.iter().enumerate() {
        let (first, last) = split(full_name).map_err(|e| format!("person {id}: {e}"))?;
        update.execute(rusqlite::params![first, last, id])?;
        test_hooks::row_done(done + 1);
    }
    Ok(())
}

fn join_full_name_sqlite(tx: &rusqlite::Connection, _step: &StepContext<'_>) -> StepResult {
    tx.execute("UPDATE people SET full_name = first_name || ' ' || last_name", [])?;
    Ok(())
}

fn split_full_name_postgres<'a>(client: &'a tokio_postgres::Client, step: &'a StepContext<'a>) -> StepFuture<'a> {
    Box::pin(async move {
        let rows = client.query("SELECT id, full_name FROM people ORDER BY id", &[]).await?;
        let mut done = 0;
        for chunk in rows.chunks(batch(step)) {
            let (mut ids, mut firsts, mut lasts) = (Vec::new(), Vec::new(), Vec::new());
            for row in chunk {
                let (id, full_name): (i32, &str) = (row.get(0), row.get(1));
                let (first, last) = split(full_name).map_err(|e| format!("person {id}: {e}"))?;
                ids.push(id);
                firsts.push(first);
                lasts.push(last);
            }
            // One statement per batch: the rows travel as three arrays.
            client
                .execute(
                    "UPDATE people SET first_name = v.first, last_name = v.last \
                     FROM unnest($1::int[], $2::text[], $3::text[]) AS v(id, first, last) \
                     WHERE people.id = v.id",
                    &[&ids, &firsts, &lasts],
                )
                .await?;
            done += chunk.len();
            test_hooks::row_done(done);
        }
        Ok(())
    })
}

fn join_full_name_postgres<'a>(client: &'a tokio_postgres::Client, _step: &'a StepContext<'a>) -> StepFuture<'a> {
    Box::pin(async move {
        client.execute("UPDATE people SET full_name = first_name || ' ' || last_name", &[]).await?;
        Ok(())
    })
}

/// What the end-to-end tests use to stop a run in the middle of the data step: with
/// `CODE_STEPS_PAUSE_AFTER=N` and `CODE_STEPS_PAUSE_FILE=path`, the step writes the
/// file once N rows are done and then waits (to be killed).
mod test_hooks {
    pub fn row_done(done: usize) {
        let Some(after) = std::env::var("CODE_STEPS_PAUSE_AFTER").ok().and_then(|v| v.parse::<usize>().ok())
        else {
            return;
        };
        if done < after {
            return;
        }
        if let Ok(file) = std::env::var("CODE_STEPS_PAUSE_FILE") {
            std::fs::write(&file, done.to_string()).expect("write the pause file");
            std::thread::sleep(std::time::Duration::from_secs(600));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn split_keeps_the_rest_as_last_name() {
        assert_eq!(super::split("Ada King Lovelace"), Ok(("Ada", "King Lovelace")));
        assert!(super::split("Madonna").is_err());
    }
}
