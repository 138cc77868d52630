//! Looking up a string key in a mapping without hashing it: the mappings of manifests hold a
//! few keys each, and comparing a few short strings costs less than one SipHash of the key.
use serde_yaml::{Mapping, Value};

/// Above this many keys, the map's own hashed lookup is cheaper than a scan.
pub(crate) const SCANNED: usize = 12;

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

/// `.get(key)` with a string key, as serde_yaml answers it (a mapping's entry, through tags), by
/// [`get`]'s scan instead of a hash of the key: the rules look up fields this way thousands of
/// times per run.
pub trait Field {
    /// The entry `key`, if this is a mapping that has one.
    fn field(&self, key: &str) -> Option<&Value>;
}

impl Field for Value {
    fn field(&self, key: &str) -> Option<&Value> {
        let mut value = self;
        while let Value::Tagged(tagged) = value {
            value = &tagged.value;
        }
        match value {
            Value::Mapping(map) => get(map, key),
            _ => None,
        }
    }
}

impl Field for Mapping {
    fn field(&self, key: &str) -> Option<&Value> {
        get(self, key)
    }
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
                assert_eq!(map.field(key), map.get(key), "{n} keys, {key}");
                let value = Value::Mapping(map.clone());
                assert_eq!(value.field(key), value.get(key), "{n} keys, {key}");
                let tagged = Value::Tagged(Box::new(serde_yaml::value::TaggedValue {
                    tag: serde_yaml::value::Tag::new("t"),
                    value: value.clone(),
                }));
                assert_eq!(
                    tagged.field(key),
                    tagged.get(key),
                    "tagged, {n} keys, {key}"
                );
            }
        }
        for other in [Value::Null, Value::from("k0"), Value::Sequence(vec![])] {
            assert_eq!(other.field("k0"), other.get("k0"));
        }
    }
}
