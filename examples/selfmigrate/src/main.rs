//! `selfmigrate`: a small notes application that carries its migrations.
//!
//! - `build.rs` validates `migrations/` and embeds it (`alembic_build::embed_or_report`).
//! - Every start brings the database to head before doing anything else; at head that
//!   costs two small queries and no parsing.
//! - `selfmigrate db upgrade|downgrade|current|history|heads|stamp` is `cargo alembic`
//!   mounted in the binary, working on the embedded migrations.
//!
//! The database is `--url`, else `$DATABASE_URL`, else `sqlite:///notes.db`; a
//! `postgresql://…` URL works the same way.

use std::time::{SystemTime, UNIX_EPOCH};

use alembic::runtime::connection::{AnyBackend, Backend, block_on};
use alembic::runtime::version_table::literal;
use clap::{Parser, Subcommand};

/// The migrations folder, embedded by build.rs.
static MIGRATIONS: alembic::Migrations = alembic::embedded!();

const DEFAULT_URL: &str = "sqlite:///notes.db";

#[derive(Parser)]
#[command(about = "A notes application that migrates its own database.")]
struct Cli {
    /// Database URL.
    #[arg(long, global = true, env = "DATABASE_URL", default_value = DEFAULT_URL)]
    url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Add a note.
    Add {
        /// The note.
        text: String,
        /// Tags for it.
        #[arg(short, long)]
        tag: Vec<String>,
    },
    /// List the notes.
    List,
    /// Database migrations (`cargo alembic`, on the embedded migrations).
    Db(alembic::cli::DbArgs),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        // `db` takes its own `--url`/`DATABASE_URL`; ours is its default.
        Command::Db(db) => std::process::exit(db.exec(&MIGRATIONS, Some(&cli.url))),
        Command::Add { text, tag } => start(&cli.url).and_then(|mut db| add(&mut db, &text, &tag)),
        Command::List => start(&cli.url).and_then(|mut db| list(&mut db)),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// Opens the database and brings it to head: the self-migration.
fn start(url: &str) -> alembic::Result<AnyBackend> {
    let mut db = alembic::embed::connect(url)?;
    let report = MIGRATIONS.upgrade(&mut db, "head")?;
    for step in &report.steps {
        eprintln!("migrated: {step}");
    }
    Ok(db)
}

fn add(db: &mut AnyBackend, text: &str, tags: &[String]) -> alembic::Result<()> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    // Literals for the connected dialect: quotes doubled, and backslashes safe on a
    // PostgreSQL server with `standard_conforming_strings = off`.
    let dialect = db.dialect();
    block_on(async {
        db.begin().await?;
        let sql = format!(
            "INSERT INTO notes (body, created_at) VALUES ({}, {}) RETURNING id",
            literal(dialect, text),
            literal(dialect, &format!("unix:{now}"))
        );
        let id = db.query_column(&sql).await?.into_iter().next().unwrap_or_default();
        for tag in tags {
            db.execute(&format!("INSERT INTO tags (note_id, tag) VALUES ({id}, {})", literal(dialect, tag))).await?;
        }
        db.commit().await?;
        println!("note {id} added");
        Ok(())
    })
}

fn list(db: &mut AnyBackend) -> alembic::Result<()> {
    let rows = block_on(db.query_rows(
        "SELECT n.id, n.body, (SELECT COUNT(*) FROM tags t WHERE t.note_id = n.id) FROM notes n ORDER BY n.id",
    ))?;
    for row in rows {
        let cell = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
        println!("{:>4}  {}  ({} tags)", cell(0), cell(1), cell(2));
    }
    Ok(())
}
