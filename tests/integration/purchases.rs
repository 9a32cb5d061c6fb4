//! `leadctl purchases create`: every output format, checked against the sandbox's own record.

use crate::support::sandbox::{create, lines, run, sandbox, stored_purchases};

#[test]
fn purchases_create_in_every_format() {
    let sb = sandbox();
    let id = create(&sb, "f@example.com");
    let buy = |format: &str| {
        let o = run(
            &sb,
            &[
                "purchases",
                "create",
                "--lead",
                &id,
                "--amount",
                "99",
                "--product",
                "Pro",
                "--description",
                "Annual, prepaid",
                "-o",
                format,
            ],
        );
        o.code(0);
        o
    };
    let o = buy("table");
    let stored = stored_purchases(&sb);
    let p = &stored[0];
    assert_eq!(
        o.stdout,
        format!(
            "ID:          {}\nLead:        {id}\nProduct:     Pro\nDescription: Annual, prepaid\n\
             Amount:      99\nDate:        {}\nCreated:     {}\n",
            p["id"].as_str().unwrap(),
            p["date"].as_str().unwrap(),
            p["created_at"].as_str().unwrap()
        )
    );
    let json = buy("json").json();
    assert_eq!(json["purchase_amount"], 99);
    assert_eq!(json["description"], "Annual, prepaid");
    let o = buy("ndjson");
    assert_eq!(o.stdout.lines().count(), 1);
    let o = buy("csv");
    assert_eq!(
        lines(&o.stdout)[0],
        "id,lead,product,description,amount,date,created"
    );
    assert!(lines(&o.stdout)[1].contains(&format!(",{id},Pro,\"Annual, prepaid\",99,")));
    let o = buy("id");
    assert_eq!(
        o.stdout,
        format!("{}\n", stored_purchases(&sb)[4]["id"].as_str().unwrap())
    );
    assert_eq!(stored_purchases(&sb).len(), 5);
}
