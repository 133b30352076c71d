//! Child processes that an interrupt or a time limit stops: the env program and the
//! `cargo build` of it.
//!
//! A child runs in a process group of its own (so that killing it also kills what it
//! started, such as cargo's rustc jobs), and that group is killed with SIGKILL when
//! [`interrupt::interrupt`] is called or its time limit passes. The child is only
//! signalled while it is not yet reaped, so its pid cannot belong to another process
//! by then. Dropping a [`Supervised`] kills and reaps a child still running, so no
//! error path leaves one behind.

use std::io;
use std::process::{Child, ChildStderr, ChildStdout, Command, ExitStatus};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::runtime::interrupt;

/// How often [`Supervised::wait`] looks whether the child has ended.
const WAIT_POLL: Duration = Duration::from_millis(20);

/// A running child process; see the module docs.
pub(crate) struct Supervised {
    child: Arc<Mutex<Child>>,
    timed_out: Arc<AtomicBool>,
    /// Dropping the sender tells the watchdog that the child has ended.
    watchdog: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
    _interrupt: interrupt::Registration,
}

/// What [`Supervised::spawn`] hands back: the child and its piped output.
pub(crate) struct Spawned {
    pub child: Supervised,
    pub stdout: Option<ChildStdout>,
    pub stderr: Option<ChildStderr>,
}

impl Supervised {
    /// Starts `command` in a process group of its own, to be killed on an interrupt or
    /// after `limit`.
    pub(crate) fn spawn(command: &mut Command, limit: Option<Duration>) -> io::Result<Spawned> {
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(command, 0);
        let mut child = command.spawn()?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let child = Arc::new(Mutex::new(child));
        let timed_out = Arc::new(AtomicBool::new(false));
        // Killed at once if the interrupt came before the registration.
        let registration = interrupt::on_interrupt({
            let child = child.clone();
            move || kill(&mut lock(&child))
        });
        let watchdog = limit.map(|limit| {
            let (done, ended) = mpsc::channel::<()>();
            let (child, timed_out) = (child.clone(), timed_out.clone());
            let thread = std::thread::spawn(move || {
                if let Err(RecvTimeoutError::Timeout) = ended.recv_timeout(limit) {
                    timed_out.store(true, Ordering::SeqCst);
                    kill(&mut lock(&child));
                }
            });
            (done, thread)
        });
        let child = Supervised { child, timed_out, watchdog, _interrupt: registration };
        Ok(Spawned { child, stdout, stderr })
    }

    /// Waits for the child to end and reaps it.
    pub(crate) fn wait(&mut self) -> io::Result<ExitStatus> {
        loop {
            let status = lock(&self.child).try_wait()?;
            if let Some(status) = status {
                self.stop_watchdog();
                return Ok(status);
            }
            std::thread::sleep(WAIT_POLL);
        }
    }

    /// Kills the child (and its process group) now, if it still runs.
    pub(crate) fn kill(&self) {
        kill(&mut lock(&self.child));
    }

    /// Whether the time limit was reached (and the child killed for it).
    pub(crate) fn timed_out(&self) -> bool {
        self.timed_out.load(Ordering::SeqCst)
    }

    fn stop_watchdog(&mut self) {
        if let Some((done, thread)) = self.watchdog.take() {
            drop(done);
            let _ = thread.join();
        }
    }
}

impl Drop for Supervised {
    fn drop(&mut self) {
        let mut child = lock(&self.child);
        if matches!(child.try_wait(), Ok(None)) {
            kill(&mut child);
            let _ = child.wait();
        }
        drop(child);
        self.stop_watchdog();
    }
}

fn lock(child: &Mutex<Child>) -> MutexGuard<'_, Child> {
    child.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// SIGKILL to the child's process group, while the child is not reaped (its pid, and
/// so the group id, cannot have been reused).
fn kill(child: &mut Child) {
    if !matches!(child.try_wait(), Ok(None)) {
        return;
    }
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) takes plain integers and touches no memory of ours; the
        // negative pid names the group the child leads (`process_group(0)` above).
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    // The child itself, on every platform (a no-op after the group kill).
    let _ = child.kill();
}
