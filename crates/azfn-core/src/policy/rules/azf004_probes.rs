//! AZF004 probes: a long-running Functions container without readiness or liveness probes,
//! probing a port it does not listen on, or waiting minutes for an answer.
use serde_yaml::Value;

use crate::krm::{Resource, Severity};
use crate::policy::walk::{Catalog, Container};
use crate::policy::{Diagnostic, Meta, Rule};
use crate::yaml::Field;

/// See the [`Meta`] below.
pub struct Probes;

/// Workloads whose pods are meant to keep running; Jobs and CronJobs are left alone.
const LONG_RUNNING: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"];

/// Longest `timeoutSeconds` that still notices a hung host in time.
const MAX_TIMEOUT_SECONDS: u64 = 10;

/// Settings through which the .NET host is told its listening port.
const PORT_SETTINGS: &[&str] = &["ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS"];

impl Rule for Probes {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF004",
            name: "probes",
            severity: Severity::Error,
            explanation: "A Functions container in a Deployment, StatefulSet or DaemonSet should have a readiness \
         and a liveness probe (and a startup probe for slow cold starts) against the host's own \
         endpoint, `httpGet` on `/admin/host/ping` at the container's HTTP port. A probe on a \
         port the container does not listen on restarts the pod forever (`func kubernetes \
         deploy` hard-codes port 80, which hardened images that listen on 8080 break): that is \
         an error. A missing probe, or a `timeoutSeconds` above 10 (generated manifests use \
         240), is a warning: a hung host keeps receiving traffic for minutes.",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        for resource in resources
            .into_iter()
            .filter(|r| LONG_RUNNING.contains(&r.kind()))
        {
            for container in resources
                .containers_of(resource)
                .iter()
                .filter(|c| c.path.contains(".containers[") && c.runs_functions_host(resources))
            {
                self.check_container(resource, container, findings);
            }
        }
    }
}

impl Probes {
    fn check_container(
        &self,
        resource: &Resource,
        container: &Container<'_>,
        findings: &mut Vec<Diagnostic>,
    ) {
        let missing: Vec<&str> = ["readinessProbe", "livenessProbe"]
            .into_iter()
            .filter(|p| container.object.get(*p).is_none_or(Value::is_null))
            .collect();
        if !missing.is_empty() {
            let message = format!(
                "container {:?} has no {}: probe httpGet /admin/host/ping on its HTTP port",
                container.name,
                missing.join(" and ")
            );
            findings.push(Diagnostic {
                severity: Severity::Warning,
                ..Diagnostic::finding(self, resource, container.path.clone(), message)
            });
        }
        let ports = listening_ports(container);
        for kind in ["startupProbe", "readinessProbe", "livenessProbe"] {
            let Some(probe) = container.object.get(kind).and_then(Value::as_mapping) else {
                continue;
            };
            let path = format!("{}.{kind}", container.path);
            let handler = ["httpGet", "tcpSocket", "grpc"]
                .into_iter()
                .find_map(|h| probe.get(h).and_then(|x| x.field("port")).map(|p| (h, p)));
            if let Some((handler, port)) = handler
                && let Some(problem) = ports.check(port)
            {
                let message = format!(
                    "the {kind} of container {:?} {problem}, so the kubelet restarts a healthy pod",
                    container.name
                );
                findings.push(Diagnostic::finding(
                    self,
                    resource,
                    format!("{path}.{handler}.port"),
                    message,
                ));
            }
            let timeout = probe.field("timeoutSeconds").and_then(Value::as_u64);
            if let Some(timeout) = timeout.filter(|t| *t > MAX_TIMEOUT_SECONDS) {
                let message = format!(
                    "the {kind} of container {:?} waits {timeout} s for an answer: a hung host keeps its traffic that long; use {MAX_TIMEOUT_SECONDS} s or less",
                    container.name
                );
                findings.push(Diagnostic {
                    severity: Severity::Warning,
                    ..Diagnostic::finding(self, resource, format!("{path}.timeoutSeconds"), message)
                });
            }
        }
    }
}

/// The ports a container is known to listen on.
struct Ports<'a> {
    named: Vec<&'a str>,
    numbers: Vec<u64>,
}

fn listening_ports<'a>(container: &Container<'a>) -> Ports<'a> {
    let mut ports = Ports {
        named: Vec::new(),
        numbers: Vec::new(),
    };
    for port in container
        .object
        .field("ports")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        if let Some(name) = port.field("name").and_then(Value::as_str) {
            ports.named.push(name);
        }
        if let Some(number) = port.field("containerPort").and_then(Value::as_u64) {
            ports.numbers.push(number);
        }
    }
    for (_, var) in container.env() {
        let name = var.field("name").and_then(Value::as_str).unwrap_or_default();
        let Some(value) = var.field("value").and_then(Value::as_str) else {
            continue;
        };
        if PORT_SETTINGS.contains(&name) {
            // `http://+:8080;https://+:8443` or `8080;8081`
            for part in value.split([';', ',']) {
                let digits = part
                    .rsplit(':')
                    .next()
                    .unwrap_or(part)
                    .trim_end_matches('/');
                if let Ok(number) = digits.trim().parse() {
                    ports.numbers.push(number);
                }
            }
        }
    }
    ports
}

impl Ports<'_> {
    /// Why a probe on `port` cannot reach the container, if it cannot.
    fn check(&self, port: &Value) -> Option<String> {
        match port {
            Value::String(name) if name.parse::<u64>().is_err() => {
                (!self.named.contains(&name.as_str())).then(|| {
                    format!("probes the port named {name:?}, which the container does not declare")
                })
            }
            _ => {
                let number = port
                    .as_u64()
                    .or_else(|| port.as_str().and_then(|s| s.parse().ok()))?;
                // A container that declares nothing may listen anywhere: nothing to compare.
                (!self.numbers.is_empty() && !self.numbers.contains(&number)).then(|| {
                    let known: Vec<String> = self.numbers.iter().map(u64::to_string).collect();
                    format!(
                        "probes port {number}, but the container listens on {}",
                        known.join(", ")
                    )
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::check;

    const GOOD: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: a}
spec:
  template:
    spec:
      containers:
      - name: func
        image: mcr.microsoft.com/azure-functions/node:4
        ports: [{name: http, containerPort: 80}]
        readinessProbe: {httpGet: {path: /admin/host/ping, port: http}, timeoutSeconds: 5}
        livenessProbe: {httpGet: {path: /admin/host/ping, port: 80}}
";

    fn fields(yaml: &str) -> Vec<(String, Severity)> {
        check(&Probes, yaml)
            .into_iter()
            .map(|f| (f.field.unwrap(), f.severity))
            .collect()
    }

    #[test]
    fn probes_on_the_declared_port_pass() {
        assert_eq!(fields(GOOD), []);
        let jobs = GOOD
            .replace("Deployment", "Job")
            .replace("        readinessProbe", "        #");
        assert_eq!(fields(&jobs), [], "a Job needs no probes");
    }

    #[test]
    fn missing_probe_wrong_port_and_long_timeout() {
        let c = "spec.template.spec.containers[0]";
        let missing = GOOD.replace("        livenessProbe", "        #");
        assert_eq!(fields(&missing), [(c.to_owned(), Severity::Warning)]);
        let wrong = GOOD.replace("port: 80}", "port: 8080}");
        assert_eq!(
            fields(&wrong),
            [(format!("{c}.livenessProbe.httpGet.port"), Severity::Error)]
        );
        let named = GOOD.replace("port: http}", "port: web}");
        let findings = check(&Probes, &named);
        assert!(
            findings[0].message.contains("port named \"web\""),
            "{}",
            findings[0].message
        );
        let slow = GOOD.replace("timeoutSeconds: 5", "timeoutSeconds: 240");
        assert_eq!(
            fields(&slow),
            [(
                format!("{c}.readinessProbe.timeoutSeconds"),
                Severity::Warning
            )]
        );
    }

    #[test]
    fn the_aspnetcore_port_counts_as_listening() {
        let moved = GOOD
            .replace(
                "        ports: [{name: http, containerPort: 80}]\n",
                "        env: [{name: ASPNETCORE_URLS, value: \"http://+:8080\"}]\n",
            )
            .replace("port: http}", "port: 8080}");
        assert_eq!(
            fields(&moved),
            [(
                "spec.template.spec.containers[0].livenessProbe.httpGet.port".to_owned(),
                Severity::Error
            )]
        );
    }
}
