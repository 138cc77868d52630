//! Azure secret shapes. Each pattern cites where it comes from; a cheap keyword test runs
//! before any regex (gitleaks' `keywords`, trufflehog's `Keywords()`, security-utilities'
//! signatures), so scanning ordinary values costs a few substring searches.
use std::sync::LazyLock;

use regex_lite::Regex;

/// A secret found in a value. It carries only a redacted form, never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretMatch {
    /// What kind of secret, in words ("an Azure Storage account key").
    pub kind: &'static str,
    /// Stable id of the pattern that matched.
    pub pattern: &'static str,
    /// At most the first four characters of the secret, then an ellipsis and its length.
    pub redacted: String,
    /// Whether this is the Azure Storage emulator's published development key.
    pub is_emulator_key: bool,
}

struct Pattern {
    id: &'static str,
    kind: &'static str,
    /// Lowercase substrings; the regex runs only if one occurs (case-insensitively).
    keywords: &'static [&'static str],
    /// Capture group 1 is the secret.
    regex: &'static str,
    /// Names a more precise kind from the surrounding value.
    refine: fn(&str) -> Option<&'static str>,
}

/// Azurite's well-known account key, published in Microsoft's docs (trufflehog excludes it).
const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

fn no_refine(_: &str) -> Option<&'static str> {
    None
}

const PATTERNS: &[Pattern] = &[
    // Trivy `azure-storage-account-key` (pkg/fanal/secret/builtin-rules.go); Microsoft
    // security-utilities SEC101/106 (legacy storage) and SEC101/104 (Cosmos DB uses AccountKey too).
    Pattern {
        id: "account-key",
        kind: "an Azure Storage account key",
        keywords: &["accountkey"],
        regex: r"(?i)AccountKey\s*=\s*([A-Za-z0-9+/]{86}==)",
        refine: |value| {
            value
                .to_ascii_lowercase()
                .contains(".documents.azure.com")
                .then_some("an Azure Cosmos DB account key")
        },
    },
    // detect-secrets AzureKeyDetector (unmerged branch 75b870e) Service Bus / Event Hubs / IoT
    // Hub patterns, without the `/;` after the host that misses SDK-sample forms; Microsoft
    // security-utilities SEC101/105 (legacy messaging credentials, 43 chars + `=`).
    Pattern {
        id: "shared-access-key",
        kind: "a Service Bus or Event Hubs shared access key",
        keywords: &["sharedaccesskey"],
        regex: r"(?i)SharedAccessKey\s*=\s*([A-Za-z0-9+/]{42,43}=)",
        refine: |value| {
            value
                .to_ascii_lowercase()
                .contains(".azure-devices.net")
                .then_some("an IoT Hub shared access key")
        },
    },
    // A connection string whose structure is unmistakable holds a key whatever the key's
    // length (samples, test accounts and truncated keys are still keys): storage
    // (`DefaultEndpointsProtocol=...;AccountKey=...`) and messaging
    // (`Endpoint=sb://...;SharedAccessKeyName=...;SharedAccessKey=...`). Placeholders are not.
    // After the exact-length patterns above, which name the kind more precisely.
    Pattern {
        id: "connection-string-key",
        kind: "an Azure Storage account key",
        keywords: &["accountkey", "sharedaccesskey"],
        regex: r"(?i)(?:^|;)\s*(?:AccountKey|SharedAccessKey)\s*=\s*([^;\s]+)",
        refine: |value| Some(structured_connection_string(value)),
    },
    // Microsoft security-utilities SEC101/060 LooseSasSecret.
    Pattern {
        id: "sas-signature",
        kind: "a shared access signature (SAS) token",
        keywords: &["sig="],
        regex: r"(?i)(?:^|[?;&])sig=([0-9a-z/+%]{43,129}(?:=|%3d))",
        refine: no_refine,
    },
    // detect-secrets AzureKeyDetector (unmerged branch 75b870e), App Insights.
    Pattern {
        id: "instrumentation-key",
        kind: "an Application Insights instrumentation key",
        keywords: &["instrumentationkey"],
        regex: r"(?i)InstrumentationKey\s*=\s*([a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})",
        refine: no_refine,
    },
    // gitleaks `azure-ad-client-secret`, trufflehog azure_entra serviceprincipal v2,
    // security-utilities SEC101/156.
    Pattern {
        id: "entra-client-secret",
        kind: "a Microsoft Entra (Azure AD) client secret",
        keywords: &["q~"],
        regex: r"(?:^|[^a-zA-Z0-9_~.\-])([a-zA-Z0-9_~.\-]{3}[0-9]Q~[a-zA-Z0-9_~.\-]{31,34})(?:$|[^a-zA-Z0-9_~.\-])",
        refine: no_refine,
    },
    // Trivy `azure-app-config-connection-string`; trufflehog azureappconfigconnectionstring.
    Pattern {
        id: "app-configuration-secret",
        kind: "an App Configuration access key",
        keywords: &["azconfig.io"],
        regex: r"(?i)Endpoint\s*=\s*https://[a-zA-Z0-9\-]+\.azconfig\.io\s*;\s*Id\s*=\s*[^;]+;\s*Secret\s*=\s*([a-zA-Z0-9+/=~]{32,88})",
        refine: no_refine,
    },
    // Microsoft security-utilities identifiable keys: SEC101/152 storage (+ASt),
    // SEC101/160 Cosmos DB (ACDb), SEC101/171 Service Bus (+ASb), SEC101/172 Event Hubs (+AEh),
    // SEC101/158 Functions (AzFu). These match bare keys with no `Key=` around them.
    Pattern {
        id: "identifiable-storage-key",
        kind: "an Azure Storage account key",
        keywords: &["+ast"],
        regex: r"(?:^|[^a-zA-Z0-9+/_\-])([a-zA-Z0-9+/]{76}\+ASt[a-zA-Z0-9+/]{5}[AQgw]==)(?:[^a-zA-Z0-9+/_=\-]|$)",
        refine: no_refine,
    },
    Pattern {
        id: "identifiable-cosmos-key",
        kind: "an Azure Cosmos DB account key",
        keywords: &["acdb"],
        regex: r"(?:^|[^a-zA-Z0-9+/_\-])([a-zA-Z0-9+/]{76}ACDb[a-zA-Z0-9+/]{5}[AQgw]==)(?:[^a-zA-Z0-9+/_=\-]|$)",
        refine: no_refine,
    },
    Pattern {
        id: "identifiable-messaging-key",
        kind: "a Service Bus or Event Hubs shared access key",
        keywords: &["+asb", "+aeh"],
        regex: r"(?:^|[^a-zA-Z0-9+/_\-])([a-zA-Z0-9+/]{33}\+A(?:Sb|Eh)[A-P][a-zA-Z0-9+/]{5}=)(?:[^a-zA-Z0-9+/_=\-]|$)",
        refine: no_refine,
    },
    Pattern {
        id: "identifiable-function-key",
        kind: "an Azure Functions access key",
        keywords: &["azfu"],
        regex: r"(?:^|[^a-zA-Z0-9_\-])([a-zA-Z0-9_\-]{44}AzFu[a-zA-Z0-9_\-]{5}[AQgw]==)(?:[^a-zA-Z0-9_\-]|$)",
        refine: no_refine,
    },
    // detect-secrets AzureKeyDetector (unmerged): Functions HTTP key in a URL (`?code=`).
    Pattern {
        id: "function-key-url",
        kind: "an Azure Functions access key",
        keywords: &["code="],
        regex: r"(?i)\.azurewebsites\.net/api/[^?\s]*\?(?:[^#\s]*&)?code=([A-Za-z0-9_\-]{20,}={0,2})",
        refine: no_refine,
    },
    // detect-secrets AzureKeyDetector (unmerged): passwords in Azure SQL, PostgreSQL, MySQL,
    // Synapse and Redis connection strings.
    Pattern {
        id: "connection-string-password",
        kind: "a database or cache password",
        keywords: &["password=", "pwd="],
        regex: r"(?i)(?:^|[;,])\s*(?:password|pwd)\s*=\s*([^;,\s]{8,128})",
        refine: |value| {
            let lower = value.to_ascii_lowercase();
            let azure_host = [
                ".database.windows.net",
                ".database.azure.com",
                ".redis.cache.windows.net",
                ".azuresynapse.net",
            ]
            .iter()
            .any(|host| lower.contains(host));
            // Not an Azure connection string: say so with a kind `find_secret` drops.
            (!azure_host).then_some("")
        },
    },
];

/// The kind of key a structured connection string holds; `""` (dropped) when the value is not
/// one, or its key is a placeholder.
fn structured_connection_string(value: &str) -> &'static str {
    let parts: Vec<(String, &str)> = value
        .split(';')
        .filter_map(|part| part.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim()))
        .collect();
    let get = |name: &str| parts.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
    let (kind, key) = match (
        get("defaultendpointsprotocol"),
        get("accountkey"),
        get("endpoint"),
        get("sharedaccesskeyname"),
        get("sharedaccesskey"),
    ) {
        (Some(_), Some(key), ..) => ("an Azure Storage account key", key),
        (_, _, Some(endpoint), Some(_), Some(key))
            if endpoint.to_ascii_lowercase().starts_with("sb://") =>
        {
            ("a Service Bus or Event Hubs shared access key", key)
        }
        _ => return "",
    };
    if is_placeholder(key) { "" } else { kind }
}

/// A value that stands for a key to be filled in: `<key>`, `${VAR}`, `$(VAR)`, `#{token}#`,
/// `{{ .Values.key }}`, `__KEY__`, or one repeated filler character (`xxxx`, `****`, `....`).
pub(crate) fn is_placeholder(value: &str) -> bool {
    let value = value.trim();
    let wrapped = |open: &str, close: &str| value.starts_with(open) && value.ends_with(close);
    value.is_empty()
        || wrapped("<", ">")
        || wrapped("${", "}")
        || wrapped("$(", ")")
        || wrapped("#{", "}#")
        || wrapped("{{", "}}")
        || (wrapped("__", "__") && value.len() > 4)
        || value
            .chars()
            .all(|c| matches!(c, 'x' | 'X' | '*' | '.' | '-' | '='))
}

static COMPILED: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    PATTERNS
        .iter()
        .map(|p| Regex::new(p.regex).unwrap_or_else(|e| panic!("pattern {}: {e}", p.id)))
        .collect()
});

/// Every pattern's keywords, each once, and for each pattern the set of its keywords as bits.
struct Keywords {
    words: Vec<&'static [u8]>,
    /// Bit `i` of `starting[c]`: `words[i]` begins with the byte `c`.
    starting: [u64; 256],
    /// Bit `i` of `of_pattern[p]`: `words[i]` is a keyword of `PATTERNS[p]`.
    of_pattern: Vec<u64>,
}

static KEYWORDS: LazyLock<Keywords> = LazyLock::new(|| {
    let mut words: Vec<&'static [u8]> = Vec::new();
    let of_pattern = PATTERNS
        .iter()
        .map(|p| {
            p.keywords.iter().fold(0u64, |bits, k| {
                let i = words
                    .iter()
                    .position(|w| *w == k.as_bytes())
                    .unwrap_or_else(|| {
                        words.push(k.as_bytes());
                        words.len() - 1
                    });
                bits | 1 << i
            })
        })
        .collect();
    assert!(words.len() <= 64, "keywords fit one u64");
    let mut starting = [0u64; 256];
    for (i, w) in words.iter().enumerate() {
        starting[usize::from(w[0])] |= 1 << i;
    }
    Keywords {
        words,
        starting,
        of_pattern,
    }
});

/// The keywords that occur in `value`, ASCII case-insensitively, as bits of `KEYWORDS.words`:
/// one pass over the value, where a substring search per keyword (and a lowercase copy) cost a
/// tenth of the whole function in the sandbox.
fn keywords_in(value: &str) -> u64 {
    let keywords = &*KEYWORDS;
    let bytes = value.as_bytes();
    let mut found = 0u64;
    for (at, c) in bytes.iter().enumerate() {
        let mut candidates = keywords.starting[usize::from(c.to_ascii_lowercase())] & !found;
        while candidates != 0 {
            let i = candidates.trailing_zeros() as usize;
            candidates &= candidates - 1;
            let word = keywords.words[i];
            if bytes
                .get(at..at + word.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(word))
            {
                found |= 1 << i;
            }
        }
    }
    found
}

/// The first Azure secret in `value`, if any.
pub fn find_secret(value: &str) -> Option<SecretMatch> {
    let present = keywords_in(value);
    if present == 0 {
        return None;
    }
    for ((pattern, regex), keywords) in PATTERNS
        .iter()
        .zip(COMPILED.iter())
        .zip(KEYWORDS.of_pattern.iter())
    {
        if present & keywords == 0 {
            continue;
        }
        let Some(secret) = regex.captures(value).and_then(|c| c.get(1)) else {
            continue;
        };
        let kind = match (pattern.refine)(value) {
            Some("") => continue,
            Some(kind) => kind,
            None => pattern.kind,
        };
        return Some(SecretMatch {
            kind,
            pattern: pattern.id,
            redacted: redact(secret.as_str()),
            is_emulator_key: secret.as_str() == AZURITE_KEY,
        });
    }
    None
}

/// Decodes standard base64 (a Secret's `data` values), `None` when it is not base64.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    }
    let bytes: Vec<u8> = text.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let body = bytes
        .strip_suffix(b"==")
        .or_else(|| bytes.strip_suffix(b"="))
        .unwrap_or(&bytes);
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= sextet(c)? << (18 - 6 * i);
        }
        let [_, a, b, c] = n.to_be_bytes();
        out.extend_from_slice(&[a, b, c][..chunk.len() - 1]);
    }
    Some(out)
}

/// At most the first four characters, then an ellipsis and the length.
pub fn redact(secret: &str) -> String {
    let shown: String = secret
        .chars()
        .take(4.min(secret.chars().count() / 4))
        .collect();
    format!("{shown}… ({} characters, redacted)", secret.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fake keys of the real shapes, assembled so this file holds no key-shaped literal.
    fn b64(n: usize) -> String {
        "Zm9vYmFyQmF6cXV4MTIzNDU2Nzg5"
            .chars()
            .cycle()
            .take(n)
            .collect()
    }

    #[test]
    fn the_one_pass_keyword_test_finds_what_a_search_per_keyword_finds() {
        for p in PATTERNS {
            for k in p.keywords {
                assert!(
                    !k.is_empty() && *k == k.to_ascii_lowercase(),
                    "{}: {k}",
                    p.id
                );
            }
        }
        let values = [
            "",
            "a",
            "AccountKey",
            "xACCOUNTKEYx;SharedAccessKey=1",
            "https://x.blob.core.windows.net/c?sv=1&SIG=abc",
            "Endpoint=https://cfg.AzConfig.io;Id=1",
            "pwd=;Password=",
            "accountke",
            "+ASB+aeh q~ AcDb azfu code=",
            "ünïcödé accountkey ✓",
            "Sig=",
        ];
        for value in values {
            let lower = value.to_ascii_lowercase();
            for (p, bits) in PATTERNS.iter().zip(&KEYWORDS.of_pattern) {
                let searched = p.keywords.iter().any(|k| lower.contains(k));
                assert_eq!(
                    keywords_in(value) & bits != 0,
                    searched,
                    "{value:?}, {}",
                    p.id
                );
            }
        }
    }

    #[test]
    fn finds_each_azure_shape() {
        let storage = format!(
            "DefaultEndpointsProtocol=https;AccountName=stfunc;AccountKey={}==;EndpointSuffix=core.windows.net",
            b64(86)
        );
        let cosmos = format!(
            "AccountEndpoint=https://orders.documents.azure.com:443/;AccountKey={}==;",
            b64(86)
        );
        let bus = format!(
            "Endpoint=sb://sb-orders.servicebus.windows.net;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={}=",
            b64(43)
        );
        let sas = format!(
            "https://st.blob.core.windows.net/c?sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2030-01-01T00:00:00Z&sig={}%3D",
            b64(44)
        );
        let insights =
            "InstrumentationKey=00000000-1111-2222-3333-444444444444;IngestionEndpoint=https://x"
                .to_owned();
        let entra = format!("abc8Q~{}", b64(34));
        let appconfig = format!(
            "Endpoint=https://cfg.azconfig.io;Id=abc1-l0-s0:xyz;Secret={}=",
            b64(43)
        );
        let fnkey = format!("https://fn.azurewebsites.net/api/orders?code={}==", b64(54));
        let sql =
            "Server=tcp:db.database.windows.net,1433;Database=x;User ID=u;Password=Sup3rS3cret!;"
                .to_owned();
        let identifiable = format!("{}+ASt{}A==", b64(76), b64(5));
        let cases = [
            (storage, "an Azure Storage account key"),
            (cosmos, "an Azure Cosmos DB account key"),
            (bus, "a Service Bus or Event Hubs shared access key"),
            (sas, "a shared access signature (SAS) token"),
            (insights, "an Application Insights instrumentation key"),
            (entra, "a Microsoft Entra (Azure AD) client secret"),
            (appconfig, "an App Configuration access key"),
            (fnkey, "an Azure Functions access key"),
            (sql, "a database or cache password"),
            (identifiable, "an Azure Storage account key"),
        ];
        for (value, kind) in cases {
            let found = find_secret(&value).unwrap_or_else(|| panic!("missed {kind}"));
            assert_eq!(found.kind, kind);
            assert!(found.redacted.ends_with("redacted)"));
        }
    }

    /// A key in an unmistakable connection string is a secret whatever its length; a
    /// placeholder in the same place is not.
    #[test]
    fn structured_connection_strings_hold_keys_of_any_length() {
        let storage = find_secret("DefaultEndpointsProtocol=https;AccountName=st;AccountKey=c2hvcnRrZXk=;EndpointSuffix=core.windows.net").unwrap();
        assert_eq!(storage.pattern, "connection-string-key");
        assert_eq!(storage.kind, "an Azure Storage account key");
        assert_eq!(storage.redacted, redact("c2hvcnRrZXk="));
        let bus = find_secret("Endpoint=sb://sb-orders.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=abc123").unwrap();
        assert_eq!(bus.kind, "a Service Bus or Event Hubs shared access key");
        for placeholder in [
            "<key>",
            "${STORAGE_KEY}",
            "$(StorageKey)",
            "#{StorageKey}#",
            "{{ .Values.key }}",
            "__STORAGE_KEY__",
            "xxxxxxxx",
            "****",
        ] {
            for value in [
                format!(
                    "DefaultEndpointsProtocol=https;AccountName=st;AccountKey={placeholder};EndpointSuffix=core.windows.net"
                ),
                format!(
                    "Endpoint=sb://sb.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={placeholder}"
                ),
            ] {
                assert_eq!(find_secret(&value), None, "{value}");
            }
        }
        // Not the structure: a lone `AccountKey=` in prose, or a key for another endpoint.
        assert_eq!(find_secret("AccountKey=abc"), None);
        assert_eq!(
            find_secret("Endpoint=https://x.example.com;SharedAccessKeyName=a;SharedAccessKey=abc"),
            None
        );
    }

    #[test]
    fn ignores_references_and_identity_settings() {
        let clean = [
            "stordersprod",
            "https://stordersprod.blob.core.windows.net",
            "sb-orders.servicebus.windows.net",
            "UseDevelopmentStorage=true",
            "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/storage/)",
            "AccountKey=", // a template placeholder, no key
            "Password=${DB_PASSWORD}",
            "Server=localhost;Password=notazure123",
            "https://st.blob.core.windows.net/c?sig=short",
        ];
        for value in clean {
            assert_eq!(find_secret(value), None, "{value}");
        }
    }

    #[test]
    fn decodes_base64_as_secrets_carry_it() {
        assert_eq!(decode_base64("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_base64("aGVsbG8h").as_deref(), Some(&b"hello!"[..]));
        assert_eq!(decode_base64("aGk=").as_deref(), Some(&b"hi"[..]));
        assert_eq!(decode_base64(""), Some(Vec::new()));
        assert_eq!(decode_base64("not base64!"), None);
        assert_eq!(decode_base64("abc"), None);
    }

    #[test]
    fn recognises_the_emulator_key_and_never_echoes_secrets() {
        let found = find_secret(&format!(
            "AccountName=devstoreaccount1;AccountKey={AZURITE_KEY}"
        ))
        .unwrap();
        assert!(found.is_emulator_key);
        assert_eq!(found.redacted, "Eby8… (88 characters, redacted)");
        assert_eq!(redact("abc"), "… (3 characters, redacted)");
    }
}
