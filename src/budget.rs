//! [`BufferBudget`]: a bound on the bytes of request bodies held at once.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The default [`BufferBudget`]: 64 MiB of bodies being read or handled at once.
pub const DEFAULT_BUFFER_BUDGET: usize = 64 * 1024 * 1024;

/// A budget of bytes for the request bodies a layer holds at once, shared by every layer
/// given the same budget (clones share it).
///
/// The body limit bounds one request; the budget bounds their sum, so slow senders cannot
/// hold many bodies just under the limit open at once. A request takes its declared
/// `Content-Length` from the budget before its body is read (a body without one, or longer
/// than it said, takes the memory it is gathered in as it arrives), and gives them back when its response is ready, when it is
/// refused, or when it is dropped. A request that does not fit is refused at once with 503
/// and `Retry-After`.
///
/// ```
/// use tower_webhook::{BufferBudget, WebhookVerify};
///
/// // The GitHub and Stripe routes share 256 MiB between them.
/// let budget = BufferBudget::new(256 * 1024 * 1024);
/// let github = WebhookVerify::github("secret a").buffer_budget(budget.clone());
/// let stripe = WebhookVerify::stripe("whsec_b").buffer_budget(budget.clone());
/// assert_eq!(budget.in_use(), 0);
/// ```
#[derive(Clone)]
pub struct BufferBudget {
    shared: Arc<Shared>,
}

struct Shared {
    limit: usize,
    in_use: AtomicUsize,
}

impl BufferBudget {
    /// A budget of `bytes`.
    pub fn new(bytes: usize) -> Self {
        Self {
            shared: Arc::new(Shared {
                limit: bytes,
                in_use: AtomicUsize::new(0),
            }),
        }
    }

    /// The budget's size in bytes.
    pub fn limit(&self) -> usize {
        self.shared.limit
    }

    /// The bytes taken by requests right now.
    pub fn in_use(&self) -> usize {
        self.shared.in_use.load(Ordering::Relaxed)
    }

    /// Takes `bytes` from the budget if they fit; false otherwise.
    fn take(&self, bytes: usize) -> bool {
        let shared = &self.shared;
        shared
            .in_use
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |in_use| {
                in_use
                    .checked_add(bytes)
                    .filter(|&total| total <= shared.limit)
            })
            .is_ok()
    }

    fn give_back(&self, bytes: usize) {
        self.shared.in_use.fetch_sub(bytes, Ordering::AcqRel);
    }
}

impl Default for BufferBudget {
    fn default() -> Self {
        Self::new(DEFAULT_BUFFER_BUDGET)
    }
}

impl AsRef<BufferBudget> for BufferBudget {
    fn as_ref(&self) -> &BufferBudget {
        self
    }
}

impl fmt::Debug for BufferBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufferBudget")
            .field("limit", &self.limit())
            .field("in_use", &self.in_use())
            .finish()
    }
}

/// Bytes one request holds from the [`BufferBudget`] of `owner` (the layer's
/// configuration, which the request holds anyway, so holding bytes costs no reference
/// count of its own); given back when dropped.
pub(crate) struct Reservation<T: AsRef<BufferBudget>> {
    owner: Arc<T>,
    bytes: usize,
}

impl<T: AsRef<BufferBudget>> Reservation<T> {
    /// Takes `bytes` from the budget of `owner`, or gives `owner` back when they do not fit.
    pub(crate) fn take(owner: Arc<T>, bytes: usize) -> Result<Self, Arc<T>> {
        if (*owner).as_ref().take(bytes) {
            Ok(Self { owner, bytes })
        } else {
            Err(owner)
        }
    }

    /// What holds the budget.
    pub(crate) fn owner(&self) -> &Arc<T> {
        &self.owner
    }

    /// Grows the reservation to `bytes` if the budget has room; false otherwise.
    pub(crate) fn grow_to(&mut self, bytes: usize) -> bool {
        if bytes <= self.bytes {
            return true;
        }
        let grown = (*self.owner).as_ref().take(bytes - self.bytes);
        if grown {
            self.bytes = bytes;
        }
        grown
    }
}

impl<T: AsRef<BufferBudget>> Drop for Reservation<T> {
    fn drop(&mut self) {
        (*self.owner).as_ref().give_back(self.bytes);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{BufferBudget, Reservation};

    #[test]
    fn reservations_take_and_give_back() {
        let budget = Arc::new(BufferBudget::new(100));
        let reserve = |bytes| Reservation::take(Arc::clone(&budget), bytes).ok();
        let mut first = reserve(60).unwrap();
        assert!(reserve(41).is_none());
        let second = reserve(40).unwrap();
        assert_eq!(budget.in_use(), 100);
        assert!(!first.grow_to(61));
        drop(second);
        assert!(first.grow_to(100));
        assert_eq!(budget.in_use(), 100);
        drop(first);
        assert_eq!(budget.in_use(), 0);
        assert!(reserve(101).is_none());
        assert_eq!(budget.in_use(), 0);
    }
}
