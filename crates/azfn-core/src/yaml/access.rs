//! Looking up a string key in a mapping without hashing it: the mappings of manifests hold a
//! few keys each, and comparing a few short strings costs less than one SipHash of the key.
use serde_yaml::{Mapping, Value};

/// Above this many keys, the map's own hashed lookup is cheaper than a scan.
const SCANNED: usize = 12;

/// `map[key]`.
pub fn get<'a>(map: &'a Mapping, key: &str) -> Option<&'a Value> {
    if map.len() > SCANNED {
        return map.get(key);
    }
    map.iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
}

/// `map[key]`, to change it.
pub fn get_mut<'a>(map: &'a mut Mapping, key: &str) -> Option<&'a mut Value> {
    if map.len() > SCANNED {
        return map.get_mut(key);
    }
    map.iter_mut()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_large_mappings_answer_as_their_own_lookup() {
        for n in [0, 3, SCANNED, SCANNED + 1, 40] {
            let mut map = Mapping::new();
            for i in 0..n {
                map.insert(format!("k{i}").into(), i.into());
            }
            map.insert(7.into(), "number key".into());
            for key in ["k0", "k5", "k12", "k39", "7", "absent"] {
                assert_eq!(get(&map, key), map.get(key), "{n} keys, {key}");
                let want = map.get(key).cloned();
                assert_eq!(get_mut(&mut map, key).map(|v| v.clone()), want);
            }
        }
    }
}
