//! Stopping work from another thread: a process-wide flag that [`interrupt`] sets and
//! the cancellers of whatever is blocking at that moment.
//!
//! `cargo alembic` calls [`interrupt`] from its SIGINT/SIGTERM handler (see
//! `cli::signals`); an application that handles signals itself may do the same. Then:
//!
//! - a statement running on a `BlockingPostgres` or `SqliteBackend` connection is
//!   cancelled (PostgreSQL's cancel request, `sqlite3_interrupt`); statements sent
//!   afterwards run normally, so rollbacks and clean-ups still work;
//! - the migration loop stops before the next step or statement, rolls back the step
//!   it was in and returns [`crate::Error::Interrupted`] (the database stays at the
//!   last committed revision);
//! - waits for another migrator's lock give up;
//! - child processes (the env program and its build) are killed.
//!
//! Code that must undo something even when the process is about to be forced out
//! (a scratch database) registers it with [`on_forced_exit`]; the signal handler runs
//! those clean-ups ([`run_forced_exit_cleanups`]) when the program has not stopped by
//! itself soon after the signal.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

type Action = Arc<dyn Fn() + Send + Sync>;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static NEXT_ID: AtomicU64 = AtomicU64::new(0);
static CANCELLERS: Mutex<BTreeMap<u64, Action>> = Mutex::new(BTreeMap::new());
static CLEANUPS: Mutex<BTreeMap<u64, Action>> = Mutex::new(BTreeMap::new());

fn lock(map: &'static Mutex<BTreeMap<u64, Action>>) -> MutexGuard<'static, BTreeMap<u64, Action>> {
    // An action that panicked leaves the map as it was: keep using it.
    map.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Sets the flag and runs every registered canceller (cancelling running statements,
/// killing child processes). Safe to call from any thread, more than once.
pub fn interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
    let actions: Vec<Action> = lock(&CANCELLERS).values().cloned().collect();
    for action in actions {
        action();
    }
}

/// Whether [`interrupt`] has been called in this process.
pub fn is_interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Runs the clean-ups registered with [`on_forced_exit`] (each once), for a program
/// about to exit without unwinding.
pub fn run_forced_exit_cleanups() {
    let actions: Vec<Action> = std::mem::take(&mut *lock(&CLEANUPS)).into_values().collect();
    for action in actions {
        action();
    }
}

/// Keeps an action registered; dropping it removes the action.
#[must_use = "the action is unregistered when this is dropped"]
pub struct Registration {
    id: u64,
    map: &'static Mutex<BTreeMap<u64, Action>>,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration").field("id", &self.id).finish()
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        lock(self.map).remove(&self.id);
    }
}

fn register(map: &'static Mutex<BTreeMap<u64, Action>>, action: Action) -> Registration {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    lock(map).insert(id, action);
    Registration { id, map }
}

/// Runs `action` when [`interrupt`] is called while the registration lives (at once if
/// it has been called already).
pub fn on_interrupt(action: impl Fn() + Send + Sync + 'static) -> Registration {
    let action: Action = Arc::new(action);
    let registration = register(&CANCELLERS, action.clone());
    if is_interrupted() {
        action();
    }
    registration
}

/// Runs `action` in [`run_forced_exit_cleanups`] while the registration lives.
pub fn on_forced_exit(action: impl Fn() + Send + Sync + 'static) -> Registration {
    register(&CLEANUPS, Arc::new(action))
}
