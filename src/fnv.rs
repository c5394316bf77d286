//! FNV-1a, 64 bits: the one stable hash of the crate (the same in every run
//! and build, unlike `RandomState`). Feature ids of both trained models,
//! content-word hashes and spill partitions all use it.

/// FNV-1a's starting state.
pub(crate) const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a's multiplier.
pub(crate) const PRIME: u64 = 0x0000_0100_0000_01b3;

/// One byte into the hash state `h`.
#[inline(always)]
pub(crate) fn byte(h: u64, b: u8) -> u64 {
    (h ^ u64::from(b)).wrapping_mul(PRIME)
}

/// `bytes` into the hash state `h` (a `const fn`: symbol ids are computed
/// at compile time).
#[inline]
pub(crate) const fn bytes(mut h: u64, bytes: &[u8]) -> u64 {
    let mut i = 0;
    while i < bytes.len() {
        h = (h ^ bytes[i] as u64).wrapping_mul(PRIME);
        i += 1;
    }
    h
}

/// The ASCII lower case of `bytes` into the hash state `h`.
#[inline]
pub(crate) fn lower(h: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(h, |h, &b| byte(h, b.to_ascii_lowercase()))
}

/// A bigram's id from its two words' ids: features never re-hash text.
#[inline]
pub(crate) fn bigram(left: u64, right: u64) -> u64 {
    (left.rotate_left(29) ^ right ^ 0x9e37_79b9_7f4a_7c15).wrapping_mul(0xff51_afd7_ed55_8ccd)
}

/// A `HashMap` hasher for keys that are already FNV hashes.
#[derive(Clone, Copy, Debug, Default)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, b: &[u8]) {
        self.0 = bytes(self.0 ^ OFFSET, b);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A map keyed by FNV ids.
pub(crate) type IdMap<V> = std::collections::HashMap<u64, V, std::hash::BuildHasherDefault<IdHasher>>;

#[cfg(test)]
mod tests {
    #[test]
    fn known_values() {
        // FNV-1a test vectors.
        assert_eq!(super::bytes(super::OFFSET, b""), 0xcbf29ce484222325);
        assert_eq!(super::bytes(super::OFFSET, b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(super::lower(super::OFFSET, b"FOOBAR"), super::bytes(super::OFFSET, b"foobar"));
        assert_eq!(super::bytes(super::OFFSET, b"foobar"), 0x85944171f73967e8);
    }
}
