//! The per-record association cache.
//!
//! One slot per association of the model, by association index (never by
//! target type, so two associations to the same model never collide). A slot
//! is filled once through `&self` (so loaded children can be borrowed while
//! their own associations load) and reset through `&mut self` on reload.

use std::any::Any;

use once_cell::sync::OnceCell;

use crate::error::{Error, Result};

type Slot = OnceCell<Box<dyn Any + Send + Sync>>;

/// Associations a model may declare before its slots need a second
/// allocation: most models have one or two.
const INLINE: usize = 2;

/// A record's slots, in one allocation for up to [`INLINE`] associations.
/// Sized, so the record holds a thin pointer to it (every record carries
/// this cache, loaded or not, so its size is paid per row).
struct Slots {
    inline: [Slot; INLINE],
    more: Box<[Slot]>,
}

impl Slots {
    fn new(n: usize) -> Box<Slots> {
        Box::new(Slots {
            inline: Default::default(),
            more: (INLINE..n).map(|_| OnceCell::new()).collect(),
        })
    }

    fn get(&self, idx: usize) -> Option<&Slot> {
        match idx.checked_sub(INLINE) {
            None => self.inline.get(idx),
            Some(at) => self.more.get(at),
        }
    }

    fn get_mut(&mut self, idx: usize) -> Option<&mut Slot> {
        match idx.checked_sub(INLINE) {
            None => self.inline.get_mut(idx),
            Some(at) => self.more.get_mut(at),
        }
    }
}

#[derive(Default)]
pub(crate) struct AssocCache {
    slots: OnceCell<Box<Slots>>,
}

fn missing(idx: usize) -> Error {
    Error::Integrity {
        message: format!("association #{idx} is not declared on this model"),
    }
}

/// The slot holds what a column-selecting eager load put there (partial
/// records), not what the accessor returns.
fn other_type(name: &str) -> Error {
    Error::Validation {
        column: name.to_owned(),
        message: "was loaded with a column selection (`select`); `reload_` it, or load it again without `select`, to get whole records".into(),
    }
}

impl AssocCache {
    /// Slot `idx` of a model with `n` associations (`None` past `n`).
    fn slot(&self, idx: usize, n: usize) -> Option<&Slot> {
        if idx >= n {
            return None;
        }
        self.slots.get_or_init(|| Slots::new(n)).get(idx)
    }

    /// Slot `idx`, the slots made empty on first use. Through `&mut self`
    /// there is no other reader, so the cell is filled as it is, without
    /// the synchronisation `get_or_init` goes through (eager loading fills
    /// one cache per parent record).
    fn slot_mut(&mut self, idx: usize, n: usize) -> Option<&mut Slot> {
        if idx >= n {
            return None;
        }
        if self.slots.get().is_none() {
            self.slots = OnceCell::from(Slots::new(n));
        }
        self.slots.get_mut()?.get_mut(idx)
    }

    /// The entry for association `idx` of `n`, created empty on first use.
    pub(crate) fn entry<E: Default + Send + Sync + 'static>(
        &self,
        idx: usize,
        n: usize,
        name: &str,
    ) -> Result<&E> {
        self.slot(idx, n)
            .ok_or_else(|| missing(idx))?
            .get_or_init(|| Box::new(E::default()))
            .downcast_ref::<E>()
            .ok_or_else(|| other_type(name))
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
        let slot = self.slot_mut(idx, n).ok_or_else(|| missing(idx))?;
        // Empty, or holding another type (records loaded with a column
        // selection, or whole ones before a selection): start afresh.
        if !slot.get().is_some_and(|b| b.is::<E>()) {
            *slot = OnceCell::from(Box::new(E::default()) as Box<dyn Any + Send + Sync>);
        }
        slot.get_mut()
            .and_then(|b| b.downcast_mut::<E>())
            .ok_or_else(|| missing(idx))
    }

    /// Replaces association `idx`'s entry with `entry` (eager loading).
    pub(crate) fn put<E: Send + Sync + 'static>(
        &mut self,
        idx: usize,
        n: usize,
        entry: E,
    ) -> Result<()> {
        let slot = self.slot_mut(idx, n).ok_or_else(|| missing(idx))?;
        *slot = OnceCell::from(Box::new(entry) as Box<dyn Any + Send + Sync>);
        Ok(())
    }

    /// Forgets association `idx`.
    pub(crate) fn reset(&mut self, idx: usize) {
        if let Some(slot) = self.slots.get_mut().and_then(|s| s.get_mut(idx)) {
            *slot = OnceCell::new();
        }
    }
}
