//! Registry keys in KV: any string, encoded as unpadded base64url behind a `k`.

use crate::error::ClusterRegistryError;

/// The longest key, in bytes (its encoding must fit a KV key with room for the owner's parts).
const MAX_KEY: usize = 110;

/// Unpadded base64url: any key becomes a valid KV key part.
pub(crate) fn encode_key(key: &str) -> Result<String, ClusterRegistryError> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    if key.len() > MAX_KEY {
        return Err(ClusterRegistryError::KeyTooLong);
    }
    let mut out = String::with_capacity(key.len().div_ceil(3) * 4 + 1);
    out.push('k'); // never empty
    for chunk in key.as_bytes().chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    Ok(out)
}

pub(crate) fn decode_key(encoded: &str) -> Option<String> {
    let body = encoded.strip_prefix('k')?.as_bytes();
    let value = |c: u8| -> Option<u32> {
        Some(
            match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'-' => 62,
                b'_' => 63,
                _ => return None,
            }
            .into(),
        )
    };
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().checked_sub(1)?]);
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_their_encoding() {
        for key in ["", "a", "ab", "abc", "room:42/ü", "x.y z*>"] {
            let encoded = encode_key(key).unwrap();
            assert!(
                encoded
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
            assert_eq!(decode_key(&encoded).as_deref(), Some(key));
        }
        assert_eq!(
            encode_key(&"x".repeat(111)),
            Err(ClusterRegistryError::KeyTooLong)
        );
    }
}
