//! Per-thread matching state for a scan: registries (one SQLite connection each) and work
//! caches, checked out of a shared pool while a task uses them.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use crate::matcher::text::WorkCache;
use crate::registry::Registry;

/// What a thread needs to match: every registry opened on its own connection (a SQLite
/// connection serves one thread at a time) and a cache of prepared works per registry.
pub(super) struct WorkerState {
    pub(super) registries: Vec<Registry>,
    pub(super) caches: Vec<WorkCache>,
    /// The thread that used it last.
    pub(super) owner: std::thread::ThreadId,
}

/// The worker states of a scan, shared by all its tasks. A task checks a state out while it
/// uses the registries and gives it back when done, so that one file's documents can be
/// matched on several threads. No task holds a state while it waits for other tasks, so a
/// scan opens at most one state per thread, created when first needed.
pub(super) struct StatePool<'a> {
    pub(super) paths: &'a [PathBuf],
    pub(super) free: Mutex<Vec<WorkerState>>,
}

impl StatePool<'_> {
    /// A free state, the one this thread used last if it is free (its work caches are warm
    /// in this core's caches), or a new one.
    pub(super) fn checkout(&self) -> anyhow::Result<Checkout<'_>> {
        let me = std::thread::current().id();
        let free = {
            let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
            match free.iter().position(|s| s.owner == me) {
                Some(mine) => Some(free.swap_remove(mine)),
                None => free.pop(),
            }
        };
        let state = match free {
            Some(mut state) => {
                state.owner = me;
                state
            }
            None => {
                let registries = self
                    .paths
                    .iter()
                    .map(|p| Registry::open(p))
                    .collect::<anyhow::Result<Vec<_>>>()?;
                let caches = registries.iter().map(|_| WorkCache::default()).collect();
                WorkerState {
                    registries,
                    caches,
                    owner: me,
                }
            }
        };
        Ok(Checkout {
            free: &self.free,
            state: Some(state),
        })
    }
}

/// A worker state checked out of a [`StatePool`], returned to it on drop.
pub(super) struct Checkout<'p> {
    pub(super) free: &'p Mutex<Vec<WorkerState>>,
    pub(super) state: Option<WorkerState>,
}

impl Checkout<'_> {
    pub(super) fn state(&mut self) -> &mut WorkerState {
        self.state.as_mut().expect("present until dropped")
    }
}

impl Drop for Checkout<'_> {
    fn drop(&mut self) {
        if let Some(state) = self.state.take() {
            self.free
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(state);
        }
    }
}
