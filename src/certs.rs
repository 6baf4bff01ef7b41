//! TLS material of JetStream buses that re-renders byte for byte.
//!
//! Upstream draws fresh 2048-bit RSA keys, random serials and `now`-based validity dates, so
//! every install differs. Here every input of a certificate is fixed:
//!
//! - keys are ECDSA P-256 scalars derived from the seed (HMAC-SHA256, retried in the rare case
//!   the value is not a valid scalar);
//! - signatures are ECDSA with SHA-256 and RFC 6979 nonces, which are a function of key and
//!   message, so the same key signs the same certificate identically;
//! - serials are derived like the keys; validity dates come from the options.
//!
//! P-256 instead of RSA: deriving an RSA key from a seed means a deterministic prime search
//! (slow, and unusual), and RSA-2048 generation alone takes far longer than the whole render.
//! A P-256 key is any 32-byte value below the group order, signatures are fast, and Go's
//! `crypto/tls` (NATS server and the Argo Events clients) supports ECDSA P-256 certificates in
//! TLS 1.2 and 1.3.

use std::str::FromStr;

use p256::ecdsa::{DerSignature, SigningKey};
use p256::elliptic_curve::zeroize::Zeroizing;
use p256::pkcs8::LineEnding;
use sha2::{Digest, Sha256};
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::der::asn1::{Ia5String, OctetString};
use x509_cert::der::{DateTime, EncodePem};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{SubjectPublicKeyInfo, SubjectPublicKeyInfoRef};
use x509_cert::time::{Time, Validity};

use crate::error::{Error, ErrorKind};

/// Subject (and issuer) of every certificate, as upstream writes it.
const ORGANIZATION: &str = "O=io.argoproj";

/// OID of TLS server authentication.
const SERVER_AUTH: x509_cert::spki::ObjectIdentifier =
    x509_cert::spki::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
/// OID of TLS client authentication.
const CLIENT_AUTH: x509_cert::spki::ObjectIdentifier =
    x509_cert::spki::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");

/// A certificate's validity window, checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Window {
    not_before: DateTime,
    not_after: DateTime,
}

impl Window {
    /// Parses two UTC times of the form `2025-01-01T00:00:00Z`; `not_before` must be earlier.
    pub(crate) fn parse(not_before: &str, not_after: &str) -> Result<Window, String> {
        let parse = |s: &str| {
            DateTime::from_str(s).map_err(|_| {
                format!(
                    "{} is not a UTC time of the form 2025-01-01T00:00:00Z (years 1970 to 9999)",
                    crate::error::quote(s)
                )
            })
        };
        let w = Window {
            not_before: parse(not_before)?,
            not_after: parse(not_after)?,
        };
        if w.not_before >= w.not_after {
            return Err(format!(
                "notBefore ({not_before}) must be earlier than notAfter ({not_after})"
            ));
        }
        Ok(w)
    }
}

/// A key pair source: 32 bytes per attempt, from which the first valid scalar is taken.
pub(crate) fn signing_key(mut bytes: impl FnMut(u32) -> [u8; 32]) -> SigningKey {
    (0..)
        .find_map(|attempt| SigningKey::from_slice(&bytes(attempt)).ok())
        .expect("a valid scalar turns up within a few attempts")
}

/// A positive 16-byte serial (below 2^127, no leading zero byte).
fn serial(mut bytes: [u8; 16]) -> Result<SerialNumber, Error> {
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::new(&bytes).map_err(internal)
}

/// What a certificate is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// A CA: key usage CertSign + DigitalSignature, ext key usage server and client auth.
    Ca,
    /// The client-facing server certificate: DigitalSignature, server auth.
    Server,
    /// The route certificate: DigitalSignature, server and client auth.
    Cluster,
}

struct Profile {
    role: Role,
    dns_names: Vec<String>,
    issuer_key_id: Option<Vec<u8>>,
}

/// RFC 7093 method 1: the leftmost 160 bits of the SHA-256 of the public key bits.
fn key_id(spk: SubjectPublicKeyInfoRef<'_>) -> Vec<u8> {
    Sha256::digest(spk.subject_public_key.raw_bytes())[..20].to_vec()
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        Name::from_str(ORGANIZATION).expect("a fixed, valid name")
    }

    fn get_subject(&self) -> Name {
        Name::from_str(ORGANIZATION).expect("a fixed, valid name")
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let subject = tbs.subject();
        let mut out: Vec<Extension> = Vec::new();
        let is_ca = self.role == Role::Ca;
        let usage = if is_ca {
            KeyUsage(KeyUsages::KeyCertSign | KeyUsages::DigitalSignature)
        } else {
            KeyUsage(KeyUsages::DigitalSignature.into())
        };
        let ext_usage = ExtendedKeyUsage(match self.role {
            Role::Server => vec![SERVER_AUTH],
            Role::Ca | Role::Cluster => vec![SERVER_AUTH, CLIENT_AUTH],
        });
        let names = self
            .dns_names
            .iter()
            .map(|n| Ia5String::new(n).map(GeneralName::DnsName))
            .collect::<Result<Vec<_>, _>>()?;
        out.push((&usage).to_extension(subject, &out)?);
        out.push((&ext_usage).to_extension(subject, &out)?);
        out.push(
            (&BasicConstraints {
                ca: is_ca,
                path_len_constraint: None,
            })
                .to_extension(subject, &out)?,
        );
        out.push(
            (&SubjectKeyIdentifier(OctetString::new(key_id(spk))?)).to_extension(subject, &out)?,
        );
        if let Some(id) = &self.issuer_key_id {
            out.push(
                (&AuthorityKeyIdentifier {
                    key_identifier: Some(OctetString::new(id.clone())?),
                    authority_cert_issuer: None,
                    authority_cert_serial_number: None,
                })
                    .to_extension(subject, &out)?,
            );
        }
        out.push((&SubjectAltName(names)).to_extension(subject, &out)?);
        Ok(out)
    }
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Template,
        "",
        format!("cannot build a certificate: {e}"),
    )
}

/// A key pair with its certificate, PEM-encoded.
pub(crate) struct Issued {
    /// The private key, PKCS#8 PEM (`PRIVATE KEY`).
    pub(crate) key_pem: String,
    /// The certificate, PEM.
    pub(crate) cert_pem: String,
    key: SigningKey,
}

/// Issues a certificate for `key`, signed by `issuer` (or self-signed when `None`).
pub(crate) fn issue(
    role: Role,
    key: SigningKey,
    issuer: Option<&Issued>,
    dns_names: &[String],
    serial_bytes: [u8; 16],
    window: Window,
) -> Result<Issued, Error> {
    let spki = SubjectPublicKeyInfo::from_key(key.verifying_key()).map_err(internal)?;
    let issuer_key_id = match issuer {
        Some(i) => {
            let spki = SubjectPublicKeyInfo::from_key(i.key.verifying_key()).map_err(internal)?;
            Some(key_id(spki.owned_to_ref()))
        }
        None => None,
    };
    let profile = Profile {
        role,
        dns_names: dns_names.to_vec(),
        issuer_key_id,
    };
    let validity = Validity::new(Time::from(window.not_before), Time::from(window.not_after));
    let builder = CertificateBuilder::new(profile, serial(serial_bytes)?, validity, spki)
        .map_err(internal)?;
    let signer = issuer.map_or(&key, |i| &i.key);
    let cert = builder.build::<_, DerSignature>(signer).map_err(internal)?;
    let cert_pem = cert.to_pem(LineEnding::LF).map_err(internal)?;
    let key_pem = pkcs8_pem(&key)?;
    Ok(Issued {
        key_pem,
        cert_pem,
        key,
    })
}

use x509_cert::der::referenced::OwnedToRef;

/// The DER of a P-256 private key in PKCS#8 (RFC 5208 `PrivateKeyInfo` version 0, holding an
/// RFC 5915 `ECPrivateKey` with its public key and without curve parameters), up to the 32
/// bytes of the scalar; 138 bytes in all with the 65-byte uncompressed public point.
const PKCS8_PREFIX: [u8; 36] = [
    0x30, 0x81, 0x87, // PrivateKeyInfo, 135 bytes
    0x02, 0x01, 0x00, // version 0
    0x30, 0x13, // AlgorithmIdentifier
    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, // id-ecPublicKey
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, // prime256v1
    0x04, 0x6d, // privateKey OCTET STRING, 109 bytes
    0x30, 0x6b, // ECPrivateKey, 107 bytes
    0x02, 0x01, 0x01, // version 1
    0x04, 0x20, // privateKey, 32 bytes
];
/// What sits between the scalar and the public point: `[1]` holding a 66-byte BIT STRING of an
/// uncompressed point.
const PKCS8_PUBLIC: [u8; 5] = [0xa1, 0x44, 0x03, 0x42, 0x00];

/// `key` as a PKCS#8 PEM (`PRIVATE KEY`), the bytes `EncodePrivateKey::to_pkcs8_pem` writes.
///
/// Written here because that encoder computes the public key again from the scalar (one
/// scalar multiplication, as costly as signing), while the signing key already holds it.
fn pkcs8_pem(key: &SigningKey) -> Result<String, Error> {
    let point = key.verifying_key().to_sec1_point(false);
    let public = point.as_bytes();
    let mut der = Zeroizing::new(Vec::with_capacity(138));
    der.extend_from_slice(&PKCS8_PREFIX);
    der.extend_from_slice(&Zeroizing::new(key.to_bytes()));
    der.extend_from_slice(&PKCS8_PUBLIC);
    der.extend_from_slice(public);
    if der.len() != 138 || public.first() != Some(&0x04) {
        return Err(internal("unexpected P-256 key encoding"));
    }
    x509_cert::der::pem::encode_string("PRIVATE KEY", LineEnding::LF, &der).map_err(internal)
}

/// Why kept TLS material does not hold together; never shows the material.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PemProblem {
    /// Not a PEM certificate.
    Certificate,
    /// Not a PEM P-256 private key (PKCS#8 or SEC1).
    Key,
    /// The key is not the one of the certificate.
    Mismatch,
}

/// Checks that `cert_pem` is a certificate, and, with `key_pem`, that the key is the
/// certificate's.
pub(crate) fn check_pair(key_pem: Option<&[u8]>, cert_pem: &[u8]) -> Result<(), PemProblem> {
    use p256::pkcs8::DecodePrivateKey;
    use x509_cert::der::{DecodePem, Encode};
    let cert = x509_cert::Certificate::from_pem(cert_pem).map_err(|_| PemProblem::Certificate)?;
    let Some(key_pem) = key_pem else {
        return Ok(());
    };
    let text = std::str::from_utf8(key_pem).map_err(|_| PemProblem::Key)?;
    let key = SigningKey::from_pkcs8_pem(text)
        .or_else(|_| p256::SecretKey::from_sec1_pem(text).map(SigningKey::from))
        .map_err(|_| PemProblem::Key)?;
    let spki = SubjectPublicKeyInfo::from_key(key.verifying_key())
        .and_then(|s| s.to_der().map_err(Into::into))
        .map_err(|_| PemProblem::Key)?;
    let held = cert
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|_| PemProblem::Certificate)?;
    if spki == held {
        Ok(())
    } else {
        Err(PemProblem::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_cert::Certificate;
    use x509_cert::der::{Decode, DecodePem, Encode};

    fn key(n: u8) -> SigningKey {
        signing_key(|a| [n.wrapping_add(a as u8).max(1); 32])
    }

    fn window() -> Window {
        Window::parse("2025-01-01T00:00:00Z", "9999-12-31T23:59:59Z").unwrap()
    }

    #[test]
    fn kept_pairs_must_hold_together() {
        let names = vec!["a.ns.svc".to_owned()];
        let a = issue(Role::Ca, key(7), None, &names, [1; 16], window()).unwrap();
        let b = issue(Role::Ca, key(8), None, &names, [1; 16], window()).unwrap();
        let (ak, ac) = (a.key_pem.as_bytes(), a.cert_pem.as_bytes());
        assert_eq!(check_pair(Some(ak), ac), Ok(()));
        assert_eq!(check_pair(None, ac), Ok(()));
        assert_eq!(
            check_pair(Some(b.key_pem.as_bytes()), ac),
            Err(PemProblem::Mismatch)
        );
        assert_eq!(check_pair(Some(b"junk"), ac), Err(PemProblem::Key));
        assert_eq!(check_pair(Some(ak), b"junk"), Err(PemProblem::Certificate));
    }

    #[test]
    fn private_keys_are_encoded_as_the_pkcs8_encoder_does() {
        use p256::pkcs8::EncodePrivateKey;
        for n in [1u8, 7, 9, 0x80, 0xfe] {
            let k = key(n);
            let ours = pkcs8_pem(&k).unwrap();
            let theirs = k.to_pkcs8_pem(LineEnding::LF).unwrap();
            assert_eq!(ours, theirs.as_str(), "key {n}");
        }
    }

    #[test]
    fn windows_are_checked() {
        assert!(Window::parse("2025-01-01T00:00:00Z", "2024-01-01T00:00:00Z").is_err());
        assert!(Window::parse("2025-01-01", "2026-01-01T00:00:00Z").is_err());
        assert!(window().not_before < window().not_after);
    }

    #[test]
    fn certificates_are_deterministic_and_chain() {
        let names = vec!["a.ns.svc".to_owned()];
        let ca = issue(Role::Ca, key(7), None, &names, [1; 16], window()).unwrap();
        let leaf = issue(Role::Server, key(9), Some(&ca), &names, [2; 16], window()).unwrap();
        let again = issue(Role::Server, key(9), Some(&ca), &names, [2; 16], window()).unwrap();
        assert_eq!(leaf.cert_pem, again.cert_pem);
        assert_eq!(leaf.key_pem, again.key_pem);
        let cert = Certificate::from_pem(leaf.cert_pem.as_bytes()).unwrap();
        let ca_cert = Certificate::from_pem(ca.cert_pem.as_bytes()).unwrap();
        assert_eq!(
            cert.tbs_certificate().issuer(),
            ca_cert.tbs_certificate().subject()
        );
        assert_eq!(
            cert.tbs_certificate().subject().to_string(),
            "O=io.argoproj"
        );
        // The leaf's public key is the one of its private key.
        let spki = SubjectPublicKeyInfo::from_key(key(9).verifying_key()).unwrap();
        assert_eq!(
            cert.tbs_certificate()
                .subject_public_key_info()
                .to_der()
                .unwrap(),
            spki.to_der().unwrap()
        );
        // Far-future dates use GeneralizedTime, as RFC 5280 asks.
        let der = cert.to_der().unwrap();
        assert!(Certificate::from_der(&der).is_ok());
        assert!(matches!(
            cert.tbs_certificate().validity().not_after,
            Time::GeneralTime(_)
        ));
    }
}
