use serde_json::json;

use super::verbose::split_name;
use super::*;

fn digest(n: char) -> String {
    format!("sha256:{}", n.to_string().repeat(64))
}

/// An image whose layers are (chain id char, bytes).
fn image(id: char, layers: &[(char, u64)]) -> ImageRecord {
    let layers: Vec<Value> = layers
        .iter()
        .map(|(chain, size)| {
            json!({"digest": digest(*chain), "diff_id": digest(*chain), "chain_id": digest(*chain),
                   "media_type": "x", "size": size, "uncompressed_size": size})
        })
        .collect();
    let total: u64 = layers.iter().map(|l| l["size"].as_u64().unwrap()).sum();
    serde_json::from_value(json!({
        "id": id.to_string().repeat(64), "names": [format!("localhost/{id}:latest")],
        "manifest_digest": digest('f'), "manifest_media_type": "x", "config_digest": digest(id),
        "layers": layers, "created": null, "pulled": "2026-01-01T00:00:00Z",
        "architecture": "amd64", "os": "linux", "variant": null, "size": total,
    }))
    .unwrap()
}

fn container(id: char, image: char, status: &str) -> ContainerRecord {
    serde_json::from_value(json!({
        "id": id.to_string().repeat(64), "name": id.to_string(),
        "image_id": image.to_string().repeat(64), "image_name": "i", "command": [],
        "created": "2026-01-01T00:00:00Z", "layers": [], "rootfs_driver": "overlay",
        "status": status, "exit_code": 0, "started_at": null, "finished_at": null,
    }))
    .unwrap()
}

#[test]
fn shared_layers_count_once_and_only_unused_ones_are_reclaimable() {
    // a and b share layer 1; c is alone. Only a is used by a container.
    let images = [
        image('a', &[('1', 1000), ('2', 200)]),
        image('b', &[('1', 1000), ('3', 30)]),
        image('c', &[('4', 4)]),
    ];
    let containers = [
        container('x', 'a', "running"),
        container('y', 'a', "exited"),
    ];
    let usage = image_usage(&images, &containers);
    assert_eq!(
        usage,
        Usage {
            kind: "Images",
            total: 3,
            active: 1,
            size: 1000 + 200 + 30 + 4,
            // Layer 1 stays for a; b's layer 3 and c's layer 4 go.
            reclaimable: 30 + 4,
        }
    );
    assert_eq!(stored_image_bytes(&images), 1234);
    assert_eq!(image_usage(&[], &[]).size, 0);
}

#[test]
fn containers_and_volumes() {
    let containers = [
        container('x', 'a', "running"),
        container('y', 'a', "exited"),
        container('z', 'a', "created"),
    ];
    let x = "x".repeat(64);
    let y = "y".repeat(64);
    let rw: HashMap<&str, u64> = [(x.as_str(), 100), (y.as_str(), 20)].into_iter().collect();
    let usage = container_usage(&containers, &rw);
    assert_eq!(
        (usage.total, usage.active, usage.size, usage.reclaimable),
        (3, 1, 120, 20)
    );

    let volumes = [("data".to_string(), 500, 1), ("old".to_string(), 70, 0)];
    let unused: HashSet<String> = ["old".to_string()].into_iter().collect();
    let usage = volume_usage(&volumes, &unused);
    assert_eq!(
        (usage.total, usage.active, usage.size, usage.reclaimable),
        (2, 1, 570, 70)
    );
}

#[test]
fn summary_rows_print_like_podman() {
    let usage = Usage {
        kind: "Containers",
        total: 2,
        active: 1,
        size: 3_969_000,
        reclaimable: 1_984_000,
    };
    let row = usage.to_json();
    assert_eq!(row["Size"], "3.969MB");
    assert_eq!(row["Reclaimable"], "1.984MB (50%)");
    assert_eq!(row["RawSize"], 3_969_000);
    assert_eq!(human_size(0), "0B");
    assert_eq!(human_size(999), "999B");
    assert_eq!(human_size(1_234_567), "1.235MB");
    assert_eq!(percent(1, 3), 33);
    assert_eq!(percent(5, 0), 0);
    assert_eq!(
        split_name("localhost:5000/a:v1"),
        ("localhost:5000/a", "v1")
    );
    assert_eq!(
        split_name("localhost:5000/a"),
        ("localhost:5000/a", "<none>")
    );
}
