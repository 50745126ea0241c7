//! The registry's hasher: seeded folded multiplication (the construction of `foldhash` and
//! `ahash`'s fallback), a few nanoseconds for a short key where std's SipHash-1-3 takes 10-15.
//!
//! Keys often come from the outside (user names, session ids), so the seeds are random per
//! registry: without them an attacker cannot aim keys at one bucket. This is not a cryptographic
//! guarantee — the same trade `hashbrown` makes by default.

use std::hash::{BuildHasher, Hasher, RandomState};

/// Digits of pi, as in `foldhash`: arbitrary odd constants with well-spread bits.
const P0: u64 = 0x243f_6a88_85a3_08d3;
const P1: u64 = 0x1319_8a2e_0370_7344;
const P2: u64 = 0xa409_3822_299f_31d0;

/// A [`BuildHasher`] with two random 64-bit seeds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Seeds {
    acc: u64,
    key: u64,
}

impl Seeds {
    pub(crate) fn random() -> Self {
        let state = RandomState::new();
        Seeds {
            acc: state.hash_one(P0),
            key: state.hash_one(P1),
        }
    }

    /// `value`'s hash reduced to `0..n` by multiply-high (no modulo, any `n`).
    #[inline]
    pub(super) fn index<T: std::hash::Hash + ?Sized>(&self, value: &T, n: usize) -> usize {
        let h = self.hash_one(value);
        ((u128::from(h) * n as u128) >> 64) as usize
    }
}

impl BuildHasher for Seeds {
    type Hasher = FoldHasher;

    #[inline]
    fn build_hasher(&self) -> FoldHasher {
        FoldHasher {
            acc: self.acc,
            key: self.key,
        }
    }
}

/// The hasher [`Seeds`] builds.
#[derive(Clone, Debug)]
pub(crate) struct FoldHasher {
    acc: u64,
    key: u64,
}

/// The 128-bit product of `x` and `y`, folded to 64 bits: every output bit depends on every
/// input bit of both.
#[inline]
fn fold(x: u64, y: u64) -> u64 {
    let full = u128::from(x) * u128::from(y);
    (full as u64) ^ ((full >> 64) as u64)
}

#[inline]
fn read8(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_le_bytes(w)
}

#[inline]
fn read4(b: &[u8]) -> u64 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[..4]);
    u64::from(u32::from_le_bytes(w))
}

impl Hasher for FoldHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let len = bytes.len();
        let (a, b) = if len <= 16 {
            if len >= 8 {
                (read8(bytes), read8(&bytes[len - 8..]))
            } else if len >= 4 {
                (read4(bytes), read4(&bytes[len - 4..]))
            } else if len > 0 {
                (
                    u64::from(bytes[0]),
                    (u64::from(bytes[len / 2]) << 8) | u64::from(bytes[len - 1]),
                )
            } else {
                (0, 0)
            }
        } else {
            let mut chunks = bytes[..len - 16].chunks_exact(16);
            for c in &mut chunks {
                self.acc = fold(read8(c) ^ self.acc, read8(&c[8..]) ^ self.key);
            }
            let rest = chunks.remainder();
            if !rest.is_empty() {
                let tail = &bytes[len - 16 - rest.len()..];
                self.acc = fold(read8(tail) ^ self.acc, read8(&tail[8..]) ^ self.key);
            }
            (read8(&bytes[len - 16..]), read8(&bytes[len - 8..]))
        };
        // The length enters through a multiple of P2, far from the bits short keys vary in (a
        // plain `^ len` lets "k1" and "k10" cancel out).
        self.acc = fold(a ^ self.acc ^ (len as u64).wrapping_mul(P2), b ^ self.key);
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }

    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.write_u64(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.acc = fold(i ^ self.acc, self.key ^ P0);
    }

    #[inline]
    fn write_u128(&mut self, i: u128) {
        self.write_u64(i as u64);
        self.write_u64((i >> 64) as u64);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        fold(self.acc, self.key ^ P1)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::hash::BuildHasher;

    use super::Seeds;

    #[test]
    fn distinct_keys_hash_apart() {
        let s = Seeds::random();
        let mut seen = HashSet::new();
        let mut keys: Vec<String> = (0..20_000).map(|i| format!("k{i}")).collect();
        keys.extend((0..2_000).map(|i| "x".repeat(i % 40) + &i.to_string()));
        keys.push(String::new());
        // Every string of length 1..=8 over a 3-letter alphabet: prefixes, suffixes, lengths.
        let mut level = vec![String::new()];
        for _ in 0..8 {
            level = level
                .iter()
                .flat_map(|p| ["a", "b", "0"].map(|c| format!("{p}{c}")))
                .collect();
            keys.extend(level.iter().cloned());
        }
        // Long keys that differ in one byte anywhere.
        let base = "a".repeat(70);
        for i in 0..70 {
            let mut k = base.clone().into_bytes();
            k[i] = b'b';
            keys.push(String::from_utf8(k).unwrap());
            keys.push(base[..i].to_string() + "z");
        }
        let keys: HashSet<String> = keys.into_iter().collect();
        for k in &keys {
            seen.insert(s.hash_one(k));
        }
        assert_eq!(
            seen.len(),
            keys.len(),
            "no 64-bit collisions on ordinary keys"
        );
        let ints: HashSet<u64> = (0u64..20_000).map(|i| s.hash_one(i)).collect();
        assert_eq!(ints.len(), 20_000);
    }

    #[test]
    fn the_top_bits_spread() {
        // hashbrown takes its 7-bit tags from the top bits: they must vary with small inputs.
        let s = Seeds::random();
        let tags: HashSet<u64> = (0u64..4096).map(|i| s.hash_one(i) >> 57).collect();
        assert_eq!(tags.len(), 128);
        let low: HashSet<u64> = (0u64..4096).map(|i| s.hash_one(i) & 127).collect();
        assert_eq!(low.len(), 128);
    }

    #[test]
    fn index_is_in_range_and_fair() {
        let s = Seeds::random();
        for n in [1, 3, 16, 64] {
            let mut seen = vec![0usize; n];
            for i in 0..10_000 {
                let idx = s.index(&format!("name-{i}"), n);
                assert!(idx < n);
                seen[idx] += 1;
            }
            assert!(seen.iter().all(|&c| c * 3 * n >= 10_000), "{seen:?}");
        }
    }
}
