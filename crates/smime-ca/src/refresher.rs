//! The background jobs of a running `smime ca serve`: at every turn each [`Task`] runs once
//! (a CRL refreshed, a responder certificate renewed before it expires). A failing task
//! (the store unreachable) changes nothing that is served and is retried at the next turn.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use crate::Result;

/// One job: given the time, does what is due and says what it did (for the log), or
/// `None` when nothing was due.
pub type Task = Box<dyn Fn(SystemTime) -> Result<Option<String>> + Send>;

/// The refresher thread; stopped when dropped.
#[derive(Debug)]
pub struct Refresher {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Refresher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

/// Every `every`, runs each of `tasks` with the current time; `on_done` hears what a task
/// did and `on_error` what failed (both for the log).
pub fn spawn_refresher(
    tasks: Vec<Task>,
    every: Duration,
    on_done: impl Fn(&str) + Send + 'static,
    on_error: impl Fn(&crate::Error) + Send + 'static,
) -> std::io::Result<Refresher> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::Builder::new()
        .name("smime-ca-refresh".into())
        .spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                for task in &tasks {
                    match task(SystemTime::now()) {
                        Ok(Some(done)) => on_done(&done),
                        Ok(None) => {}
                        Err(e) => on_error(&e),
                    }
                }
                std::thread::park_timeout(every);
            }
        })?;
    Ok(Refresher {
        stop,
        thread: Some(thread),
    })
}
