//! The kustomize exec plugin, run by the real `kubectl kustomize --enable-alpha-plugins` from a
//! plugin home that `eventbus-gen kustomize install` filled.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::{
    BIN, TEST_SEED, TOKEN_BUS_KINDS, TempDir, binary, copy_tree, kind_name, root,
};

/// `kubectl kustomize --enable-alpha-plugins DIR` with the plugin home under `config_home`
/// and only the variables given (plus PATH and HOME).
fn kustomize(dir: &Path, config_home: &Path, env: &[(&str, &str)]) -> std::process::Output {
    let found = Command::new("kubectl")
        .args(["version", "--client"])
        .output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "kubectl is not installed or does not run; the kustomize plugin tests need it on PATH"
    );
    let mut cmd = Command::new("kubectl");
    cmd.args(["kustomize", "--enable-alpha-plugins"])
        .arg(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", config_home)
        .env("XDG_CONFIG_HOME", config_home);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// Installs the plugins into `config_home` with `eventbus-gen kustomize install`.
fn install(config_home: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["kustomize", "install", "--config-home"];
    let home = config_home.to_str().unwrap();
    args.push(home);
    args.extend_from_slice(extra);
    let out = binary(&args).output();
    assert!(out.success(), "{}", out.stderr);
    out.stdout.lines().map(str::to_owned).collect()
}

fn docs(stdout: &[u8]) -> Vec<Value> {
    eventbus_gen::yaml::load_documents(std::str::from_utf8(stdout).unwrap())
        .unwrap()
        .into_iter()
        .map(|d| d.value)
        .collect()
}

fn sorted(mut v: Vec<Value>) -> Vec<Value> {
    v.sort_by_key(kind_name);
    v
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn kubectl_kustomize_renders_the_example_through_the_generator_plugin() {
    let tmp = TempDir::new("kustomize-gen");
    let home = tmp.path().join("config");
    let written = install(&home, &[]);
    assert_eq!(
        written,
        [
            home.join("kustomize/plugin/argoproj.io/v1alpha1/eventbus/EventBus"),
            home.join(
                "kustomize/plugin/fn.eventbus-gen.dev/v1alpha1/eventbusrenderoptions/EventBusRenderOptions"
            ),
        ]
        .map(|p| p.display().to_string())
    );
    assert_eq!(std::fs::read_link(&written[0]).unwrap(), Path::new(BIN));
    let dir = tmp.path().join("app");
    copy_tree(&root().join("examples/kustomize-plugin"), &dir);

    let out = kustomize(&dir, &home, &[("EVENTBUS_GEN_SEED", TEST_SEED)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let built = docs(&out.stdout);
    // The bus's objects, as `render` makes them with the options of the annotation, and the
    // ordinary resource.
    let mut bus = docs(&std::fs::read(dir.join("eventbus.yaml")).unwrap()).remove(0);
    let options = bus["metadata"]["annotations"]
        .as_object_mut()
        .unwrap()
        .remove("eventbus-gen/options")
        .unwrap();
    let (bus_file, options_file) = (tmp.path().join("bus.json"), tmp.path().join("options.yaml"));
    std::fs::write(&bus_file, bus.to_string()).unwrap();
    std::fs::write(&options_file, options.as_str().unwrap()).unwrap();
    let rendered = binary(&[
        "render",
        "--options",
        options_file.to_str().unwrap(),
        bus_file.to_str().unwrap(),
    ])
    .seeded()
    .output();
    assert!(rendered.success(), "{}", rendered.stderr);
    let mut want = rendered.docs();
    assert_eq!(
        want.iter()
            .map(|d| d["kind"].as_str().unwrap())
            .collect::<Vec<_>>(),
        TOKEN_BUS_KINDS
    );
    want.extend(docs(
        &std::fs::read(root().join("examples/kustomize-plugin/sensor-config.yaml")).unwrap(),
    ));
    assert_eq!(sorted(built.clone()), sorted(want));
    // The render options of the annotation reached every object; no orchestrator annotation
    // leaked.
    for doc in built
        .iter()
        .filter(|d| d["kind"] != "ConfigMap" || d["metadata"]["name"] != "sensor-settings")
    {
        assert_eq!(
            doc["metadata"]["labels"]["app.kubernetes.io/part-of"],
            "events",
            "{}",
            kind_name(doc)
        );
    }
    assert!(!String::from_utf8_lossy(&out.stdout).contains("config.kubernetes.io/"));
    // Deterministic: the same build again gives the same bytes.
    let again = kustomize(&dir, &home, &[("EVENTBUS_GEN_SEED", TEST_SEED)]);
    assert_eq!(again.stdout, out.stdout);

    // No seed: the build fails with advice in the plugin's terms, and prints nothing.
    let out = kustomize(&dir, &home, &[]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let text = stderr(&out);
    assert!(
        text.contains("set EVENTBUS_GEN_SEED where kustomize runs")
            && text.contains("eventbus-gen/options annotation"),
        "{text}"
    );
}

#[test]
fn the_transformer_plugin_keeps_the_tokens_of_the_secrets_in_the_build() {
    let tmp = TempDir::new("kustomize-tr");
    let home = tmp.path().join("config");
    install(&home, &[]);
    // Secrets of a bus rendered earlier with a seed; the build has no seed now.
    let earlier = binary(&["render", "examples/kustomize-plugin/eventbus.yaml"])
        .seeded()
        .output();
    assert!(earlier.success(), "{}", earlier.stderr);
    let secrets: Vec<Value> = earlier
        .docs()
        .into_iter()
        .filter(|d| d["kind"] == "Secret")
        .collect();
    assert_eq!(secrets.len(), 2);
    let dir = tmp.path().join("app");
    std::fs::create_dir_all(&dir).unwrap();
    let yaml = |v: &[Value]| -> String {
        v.iter()
            .map(|d| eventbus_gen::frontend::pipeline::to_yaml(d).unwrap())
            .collect::<Vec<_>>()
            .join("---\n")
    };
    std::fs::write(dir.join("secrets.yaml"), yaml(&secrets)).unwrap();
    std::fs::copy(
        root().join("examples/kustomize-plugin/eventbus.yaml"),
        dir.join("eventbus.yaml"),
    )
    .unwrap();
    std::fs::write(
        dir.join("render-options.yaml"),
        "apiVersion: fn.eventbus-gen.dev/v1alpha1\nkind: EventBusRenderOptions\nmetadata:\n  \
         name: render-options\nspec:\n  podDisruptionBudget: false\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("kustomization.yaml"),
        "resources: [eventbus.yaml, secrets.yaml]\ntransformers: [render-options.yaml]\n",
    )
    .unwrap();

    let out = kustomize(&dir, &home, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let built = docs(&out.stdout);
    let mut kinds: Vec<String> = built.iter().map(kind_name).collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "ConfigMap/eventbus-default-stan-configmap",
            "EventBus/default",
            "Secret/eventbus-default-client",
            "Secret/eventbus-default-server",
            "Service/eventbus-default-stan-svc",
            "StatefulSet/eventbus-default-stan",
        ]
    );
    // The tokens are the ones in the build, and the native spec gave way to the companion.
    for secret in &secrets {
        let kept = built
            .iter()
            .find(|d| kind_name(d) == kind_name(secret))
            .unwrap();
        assert_eq!(kept["data"], secret["data"]);
    }
    let bus = built.iter().find(|d| d["kind"] == "EventBus").unwrap();
    assert_eq!(
        bus["metadata"]["annotations"]["eventbus-gen/companion"],
        "true"
    );
    assert!(bus["spec"]["nats"]["exotic"].is_object());

    // The EventBus entry itself under transformers: renders with the options of its annotation
    // and the tokens of the build's Secrets.
    std::fs::write(
        dir.join("kustomization.yaml"),
        "resources: [secrets.yaml]\ntransformers: [eventbus.yaml]\n",
    )
    .unwrap();
    let out = kustomize(&dir, &home, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let built = docs(&out.stdout);
    assert_eq!(built.len(), TOKEN_BUS_KINDS.len());
    for secret in &secrets {
        let kept = built
            .iter()
            .find(|d| kind_name(d) == kind_name(secret))
            .unwrap();
        assert_eq!(kept["data"], secret["data"]);
        assert_eq!(
            kept["metadata"]["labels"]["app.kubernetes.io/part-of"],
            "events"
        );
    }
}

#[test]
fn a_copied_plugin_runs_by_its_name_and_refuses_what_kustomize_never_passes() {
    let tmp = TempDir::new("kustomize-copy");
    let home = tmp.path().join("plugins");
    let out = binary(&[
        "kustomize",
        "install",
        "--copy",
        "--plugin-home",
        home.to_str().unwrap(),
    ])
    .output();
    assert!(out.success(), "{}", out.stderr);
    let plugin = home.join("argoproj.io/v1alpha1/eventbus/EventBus");
    assert!(std::fs::symlink_metadata(&plugin).unwrap().is_file());
    let entry = root().join("examples/kustomize-plugin/eventbus.yaml");
    let run = |args: &[&Path]| {
        Command::new(&plugin)
            .args(args)
            .env("EVENTBUS_GEN_SEED", TEST_SEED)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let out = run(&[&entry]);
    assert!(out.status.success(), "{}", stderr(&out));
    let objects: Vec<String> = docs(&out.stdout).iter().map(kind_name).collect();
    assert_eq!(objects.len(), TOKEN_BUS_KINDS.len());

    // An entry that is a link is not followed; extra arguments are refused.
    let link = tmp.path().join("link.yaml");
    std::os::unix::fs::symlink(&entry, &link).unwrap();
    let out = run(&[&link]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let out = run(&[&entry, Path::new("--extra")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("takes only the entry file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_argo_cd_component_installs_the_plugin_where_the_repo_servers_kustomize_looks() {
    let work = TempDir::new("kustomize-argocd");
    copy_tree(
        &root().join("deploy/argocd-kustomize"),
        &work.path().join("eventbus-gen"),
    );
    std::fs::create_dir_all(work.path().join("argocd")).unwrap();
    std::fs::copy(
        root().join("tests/data/argocd-repo-server.yaml"),
        work.path().join("argocd/repo-server.yaml"),
    )
    .unwrap();
    std::fs::write(
        work.path().join("kustomization.yaml"),
        "resources:\n  - argocd/repo-server.yaml\ncomponents:\n  - eventbus-gen\n",
    )
    .unwrap();
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(work.path())
        .output()
        .expect("kubectl runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let deployment = docs(&out.stdout).remove(0);
    let spec = &deployment["spec"]["template"]["spec"];
    let init = spec["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "eventbus-gen-kustomize-plugin")
        .unwrap();
    let repo = spec["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "argocd-repo-server")
        .unwrap();
    // Stock containers and volumes are kept.
    assert!(
        spec["initContainers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "copyutil")
    );
    let mount = |c: &Value| -> String {
        c["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == "eventbus-gen-kustomize-plugins")
            .unwrap()["mountPath"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let env = |name: &str| -> Value {
        repo["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(env("KUSTOMIZE_PLUGIN_HOME")["value"], mount(repo).as_str());
    assert_eq!(
        env("EVENTBUS_GEN_SEED")["valueFrom"]["secretKeyRef"]["optional"],
        true
    );

    // The init container's command, run here with its folder in a temporary one, writes the
    // plugins that kustomize, pointed at that folder, runs.
    let command: Vec<String> = init["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(command[0], "eventbus-gen");
    let plugins = work.path().join("plugins");
    let init_dir = mount(init);
    let args: Vec<String> = command[1..]
        .iter()
        .map(|a| {
            if *a == init_dir {
                plugins.display().to_string()
            } else {
                a.clone()
            }
        })
        .collect();
    let out = binary(&args).output();
    assert!(out.success(), "{}", out.stderr);
    let app = work.path().join("app");
    copy_tree(&root().join("examples/kustomize-plugin"), &app);
    let empty = work.path().join("empty-home");
    std::fs::create_dir_all(&empty).unwrap();
    let built = kustomize(
        &app,
        &empty,
        &[
            ("KUSTOMIZE_PLUGIN_HOME", plugins.to_str().unwrap()),
            ("EVENTBUS_GEN_SEED", TEST_SEED),
        ],
    );
    assert!(built.status.success(), "{}", stderr(&built));
    assert_eq!(docs(&built.stdout).len(), TOKEN_BUS_KINDS.len() + 1);
}
