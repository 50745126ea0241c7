//! The options of a [`TaskSupervisor`](crate::TaskSupervisor).

use crate::DynamicSupervisorOptions;

/// Options of a [`TaskSupervisor`](crate::TaskSupervisor) (Elixir's `Task.Supervisor` options).
///
/// Its tasks are never restarted, so there is no restart intensity to set.
///
/// ```
/// use beamish::TaskSupervisorOptions;
///
/// let options = TaskSupervisorOptions::new().max_children(100);
/// # drop(options);
/// ```
#[derive(Clone, Debug, Default)]
pub struct TaskSupervisorOptions {
    max_children: Option<usize>,
}

impl TaskSupervisorOptions {
    /// No limit on the number of tasks.
    pub fn new() -> Self {
        TaskSupervisorOptions::default()
    }

    /// At most this many tasks at a time; `start_child` and `async_nolink` beyond it fail with
    /// [`SupervisorError::MaxChildren`](crate::SupervisorError::MaxChildren).
    #[must_use]
    pub fn max_children(mut self, max_children: usize) -> Self {
        self.max_children = Some(max_children);
        self
    }

    /// The options of the dynamic supervisor underneath, with `extra` as its extra argument.
    pub(super) fn dynamic<E>(&self, extra: E) -> DynamicSupervisorOptions<E> {
        let options = DynamicSupervisorOptions::new().extra_args(extra);
        match self.max_children {
            Some(max) => options.max_children(max),
            None => options,
        }
    }
}
