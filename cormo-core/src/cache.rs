//! The per-record association cache.
//!
//! One slot per association of the model, by association index (never by
//! target type, so two associations to the same model never collide). A slot
//! is filled once through `&self` (so loaded children can be borrowed while
//! their own associations load) and reset through `&mut self` on reload.

use std::any::Any;
use std::sync::OnceLock;

use crate::error::{Error, Result};

type Slot = OnceLock<Box<dyn Any + Send + Sync>>;

#[derive(Default)]
pub(crate) struct AssocCache {
    slots: OnceLock<Box<[Slot]>>,
}

fn missing(idx: usize) -> Error {
    Error::Integrity {
        message: format!("association #{idx} is not declared on this model"),
    }
}

/// The slot holds what a column-selecting eager load put there (partial
/// records), not what the accessor returns.
fn other_type(idx: usize) -> Error {
    Error::Validation {
        column: format!("association #{idx}"),
        message: "was loaded with a column selection (`select`); reload it to load whole records"
            .into(),
    }
}

impl AssocCache {
    fn slots(&self, n: usize) -> &[Slot] {
        self.slots
            .get_or_init(|| (0..n).map(|_| OnceLock::new()).collect())
    }

    /// The entry for association `idx` of `n`, created empty on first use.
    pub(crate) fn entry<E: Default + Send + Sync + 'static>(
        &self,
        idx: usize,
        n: usize,
    ) -> Result<&E> {
        self.slots(n)
            .get(idx)
            .ok_or_else(|| missing(idx))?
            .get_or_init(|| Box::new(E::default()))
            .downcast_ref::<E>()
            .ok_or_else(|| other_type(idx))
    }

    /// The entry for association `idx`, if one was created.
    pub(crate) fn peek<E: Send + Sync + 'static>(&self, idx: usize) -> Option<&E> {
        self.slots.get()?.get(idx)?.get()?.downcast_ref::<E>()
    }

    /// Mutable access to the entry for association `idx`, if one was created.
    pub(crate) fn peek_mut<E: Send + Sync + 'static>(&mut self, idx: usize) -> Option<&mut E> {
        self.slots
            .get_mut()?
            .get_mut(idx)?
            .get_mut()?
            .downcast_mut::<E>()
    }

    /// Mutable access to the entry, created empty on first use.
    pub(crate) fn entry_mut<E: Default + Send + Sync + 'static>(
        &mut self,
        idx: usize,
        n: usize,
    ) -> Result<&mut E> {
        self.slots(n);
        let slots = self.slots.get_mut().ok_or_else(|| missing(idx))?;
        let slot = slots.get_mut(idx).ok_or_else(|| missing(idx))?;
        if slot.get().is_none() {
            let _ = slot.set(Box::new(E::default()));
        }
        slot.get_mut()
            .and_then(|b| b.downcast_mut::<E>())
            .ok_or_else(|| missing(idx))
    }

    /// Forgets association `idx`.
    pub(crate) fn reset(&mut self, idx: usize) {
        if let Some(slot) = self.slots.get_mut().and_then(|s| s.get_mut(idx)) {
            *slot = OnceLock::new();
        }
    }
}
