//! Record ids numbered 0, 1, 2… in the order first seen, for eager
//! loading to put each child in its parent's group.
//!
//! Integer ids from one table are mostly sequential, so when the ids span
//! a range not much wider than their count, the number is read from an
//! array at `id - smallest`: no hashing, and one compact array instead of
//! a table with a random access per child. Other ids (ObjectIds, sparse
//! integers) go through a hash map.

use std::collections::HashMap;

use crate::id::RecordId;

/// Ids may span at most this many slots per id for the array.
const DENSE_SPREAD: u64 = 4;

/// Marks a slot no id has.
const NONE: u32 = u32::MAX;

type Hashed = HashMap<RecordId, usize, foldhash::fast::RandomState>;

/// The numbering; build with [`IdIndex::number`].
pub(crate) enum IdIndex {
    /// Integer ids in `min..min + slots.len()`.
    Dense {
        min: i64,
        slots: Vec<u32>,
        len: usize,
    },
    /// Any ids.
    Hashed(Hashed),
}

impl IdIndex {
    /// Numbers `ids` (in order, a repeated id keeping its first number)
    /// and returns each one's number with the index.
    pub(crate) fn number(ids: &[Option<RecordId>]) -> (IdIndex, Vec<Option<usize>>) {
        if let Some(mut index) = Self::dense_for(ids) {
            let numbers = ids
                .iter()
                .map(|id| id.and_then(|id| index.insert(id)))
                .collect();
            return (index, numbers);
        }
        let mut index = IdIndex::Hashed(Hashed::with_capacity_and_hasher(
            ids.len(),
            Default::default(),
        ));
        let numbers = ids
            .iter()
            .map(|id| id.and_then(|id| index.insert(id)))
            .collect();
        (index, numbers)
    }

    /// An empty array index when every id is an integer and they are
    /// packed densely enough.
    fn dense_for(ids: &[Option<RecordId>]) -> Option<IdIndex> {
        let mut range: Option<(i64, i64)> = None;
        let mut count = 0u64;
        for id in ids.iter().flatten() {
            let v = id.as_i64()?;
            count += 1;
            range = Some(match range {
                None => (v, v),
                Some((lo, hi)) => (lo.min(v), hi.max(v)),
            });
        }
        let (min, max) = range?;
        let span = u64::try_from(i128::from(max) - i128::from(min) + 1).ok()?;
        if span > count.saturating_mul(DENSE_SPREAD) || span >= u64::from(NONE) {
            return None;
        }
        Some(IdIndex::Dense {
            min,
            slots: vec![NONE; usize::try_from(span).ok()?],
            len: 0,
        })
    }

    /// How many distinct ids have a number.
    pub(crate) fn len(&self) -> usize {
        match self {
            IdIndex::Dense { len, .. } => *len,
            IdIndex::Hashed(map) => map.len(),
        }
    }

    /// The number of `id`, given the next one if it has none yet; `None`
    /// only for an id outside the array's span, which the array was built
    /// to cover.
    fn insert(&mut self, id: RecordId) -> Option<usize> {
        let next = self.len();
        match self {
            IdIndex::Dense { min, slots, len } => {
                let at = Self::slot(*min, slots.len(), id)?;
                let slot = slots.get_mut(at)?;
                if *slot == NONE {
                    // The span is below `NONE`, so `next` fits.
                    *slot = u32::try_from(next).ok()?;
                    *len += 1;
                }
                Some(*slot as usize)
            }
            IdIndex::Hashed(map) => Some(*map.entry(id).or_insert(next)),
        }
    }

    /// The number of `id`, if it has one.
    pub(crate) fn get(&self, id: RecordId) -> Option<usize> {
        match self {
            IdIndex::Dense { min, slots, .. } => {
                let n = *slots.get(Self::slot(*min, slots.len(), id)?)?;
                (n != NONE).then_some(n as usize)
            }
            IdIndex::Hashed(map) => map.get(&id).copied(),
        }
    }

    fn slot(min: i64, len: usize, id: RecordId) -> Option<usize> {
        let offset = usize::try_from(id.as_i64()?.checked_sub(min)?).ok()?;
        (offset < len).then_some(offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(v: &[i64]) -> Vec<Option<RecordId>> {
        v.iter().map(|&i| Some(RecordId::Int(i))).collect()
    }

    #[test]
    fn sequential_ids_are_numbered_by_offset() {
        let (index, numbers) = IdIndex::number(&ints(&[10, 11, 13, 12]));
        assert!(matches!(index, IdIndex::Dense { .. }));
        assert_eq!(numbers, vec![Some(0), Some(1), Some(2), Some(3)]);
        assert_eq!(index.get(RecordId::Int(13)), Some(2));
        assert_eq!(index.get(RecordId::Int(9)), None);
        assert_eq!(index.get(RecordId::Int(14)), None);
        assert_eq!(index.get(RecordId::Object([0; 12])), None);
    }

    #[test]
    fn a_repeated_id_keeps_its_number_and_a_missing_one_has_none() {
        let mut ids = ints(&[5, 6, 5]);
        ids.push(None);
        let (index, numbers) = IdIndex::number(&ids);
        assert_eq!(numbers, vec![Some(0), Some(1), Some(0), None]);
        assert_eq!(index.len(), 2);
    }

    #[test]
    fn sparse_extreme_and_object_ids_are_hashed() {
        for ids in [
            ints(&[1, 1_000_000]),
            ints(&[i64::MIN, i64::MAX]),
            vec![Some(RecordId::Object([1; 12])), Some(RecordId::Int(1))],
        ] {
            let (index, numbers) = IdIndex::number(&ids);
            assert!(matches!(index, IdIndex::Hashed(_)));
            assert_eq!(numbers, vec![Some(0), Some(1)]);
            assert_eq!(index.get(ids[1].unwrap()), Some(1));
        }
    }
}
