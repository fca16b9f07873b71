//! Upsert: insert or update by a unique key.

use chrono::{DateTime, TimeZone, Utc};
use cormo::prelude::*;
use cormo::UpsertOptions;

use super::models::{Account, Handle, Member, Sale, Seat, Venue};

fn day(d: u32) -> Option<DateTime<Utc>> {
    Utc.with_ymd_and_hms(2026, 2, d, 8, 0, 0).single()
}

fn member(email: &str, name: &str, visits: i32) -> Member {
    Member {
        email: email.into(),
        name: name.into(),
        visits,
        ..Default::default()
    }
}

async fn stored(db: &Connection, email: &str) -> Member {
    let mut found = Member::query()
        .filter(Member::EMAIL.eq(email))
        .all(db)
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "one member with {email}");
    found.remove(0)
}

pub async fn upsert_inserts_then_updates_by_the_unique_key(db: &Connection) {
    db.register::<Member>();
    db.apply_schemas().await.unwrap();
    let first = Member::upsert(
        db,
        Member {
            joined: day(1),
            ..member("ann@x.org", "Ann", 1)
        },
    )
    .await
    .unwrap();
    assert!(first.id.is_persisted());
    let row = stored(db, "ann@x.org").await;
    assert_eq!(row.id, first.id);
    // The default applies on insert.
    assert_eq!(row.tier.as_deref(), Some("new"));

    let opts = UpsertOptions::new().ignore_on_update(Member::JOINED);
    let second = Member::upsert_with(
        db,
        Member {
            joined: day(9),
            tier: Some("gold".into()),
            ..member("ann@x.org", "Ann B.", 5)
        },
        opts,
    )
    .await
    .unwrap();
    assert_eq!(second.id, first.id, "the stored record was updated");
    let row = stored(db, "ann@x.org").await;
    assert_eq!((row.name.as_str(), row.visits), ("Ann B.", 5));
    assert_eq!(row.joined, day(1), "ignore_on_update kept the stored value");
    assert_eq!(row.tier.as_deref(), Some("gold"));

    // A None field with a default is "not given": an update leaves it.
    Member::upsert(db, member("ann@x.org", "Ann C.", 6))
        .await
        .unwrap();
    let row = stored(db, "ann@x.org").await;
    assert_eq!(row.tier.as_deref(), Some("gold"));
    assert_eq!(row.name, "Ann C.");
    // Without ignore_on_update every given column is written, NULL too.
    assert_eq!(row.joined, None);

    Member::upsert(db, member("bob@x.org", "Bob", 1))
        .await
        .unwrap();
    assert_eq!(Member::query().count(db).await.unwrap(), 2);
}

pub async fn upsert_on_a_two_column_key_checks_foreign_keys(db: &Connection) {
    db.register::<Venue>();
    db.apply_schemas().await.unwrap();
    let user = Venue::create(
        db,
        Venue {
            name: "u".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let seat = |slot: i32, label: &str| Seat {
        venue_id: user.id.get(),
        slot,
        label: label.into(),
        ..Default::default()
    };
    let a = Seat::upsert(db, seat(1, "a")).await.unwrap();
    Seat::upsert(db, seat(2, "b")).await.unwrap();
    let c = Seat::upsert(db, seat(1, "c")).await.unwrap();
    assert_eq!(a.id, c.id);
    let mut labels: Vec<(i32, String)> = Seat::query()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.slot, s.label))
        .collect();
    labels.sort();
    assert_eq!(labels, [(1, "c".to_owned()), (2, "b".to_owned())]);

    // A dangling parent is refused, on every backend, and nothing is written.
    let mut gone = Venue::create(
        db,
        Venue {
            name: "gone".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let gone_id = gone.id.get();
    gone.destroy(db).await.unwrap();
    let dangling = Seat::upsert(
        db,
        Seat {
            venue_id: gone_id,
            ..seat(1, "x")
        },
    )
    .await;
    assert!(
        matches!(dangling, Err(Error::ForeignKey { .. })),
        "{dangling:?}"
    );
    // A NULL key column matches no record, so upsert refuses it.
    let null_key = Seat::upsert(
        db,
        Seat {
            venue_id: None,
            ..seat(3, "y")
        },
    )
    .await;
    assert!(
        matches!(&null_key, Err(Error::Validation { column, .. }) if column == "venue_id"),
        "{null_key:?}"
    );
    assert_eq!(Seat::query().count(db).await.unwrap(), 2);
}

pub async fn upsert_refuses_what_it_cannot_do(db: &Connection) {
    db.register::<Sale>();
    db.register::<Handle>();
    db.register::<Member>();
    db.apply_schemas().await.unwrap();
    let before = db.stats();
    let no_key = Sale::upsert(db, Sale::default()).await;
    assert!(
        matches!(&no_key, Err(Error::Validation { column, message }) if column == "upsert" && message.contains("needs a unique column or index")),
        "{no_key:?}"
    );
    assert_eq!(db.stats().writes, before.writes, "refused before any write");
    let stored = Member::create(db, member("c@x.org", "C", 1)).await.unwrap();
    let with_id = Member::upsert(db, stored).await;
    assert!(
        matches!(&with_id, Err(Error::Validation { column, .. }) if column == "id"),
        "{with_id:?}"
    );
    let handle = |email: &str, nick: &str| Handle {
        email: email.into(),
        nick: nick.into(),
        ..Default::default()
    };
    let unnamed = Handle::upsert(db, handle("a@x", "n1")).await;
    if db.capabilities().upsert_picks_key {
        assert!(
            matches!(&unnamed, Err(Error::Validation { message, .. }) if message.contains("UpsertOptions::on")),
            "{unnamed:?}"
        );
        let on_email = || UpsertOptions::new().on(Handle::EMAIL);
        Handle::upsert_with(db, handle("a@x", "n1"), on_email())
            .await
            .unwrap();
        Handle::upsert_with(db, handle("a@x", "n2"), on_email())
            .await
            .unwrap();
        let all = Handle::query().all(db).await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].nick, "n2");
        // A clash on the other unique key is a duplicate, not an update.
        let clash = Handle::upsert_with(db, handle("b@x", "n2"), on_email()).await;
        assert!(matches!(clash, Err(Error::Duplicated { .. })), "{clash:?}");
        let not_a_key =
            Handle::upsert_with(db, handle("z", "z"), UpsertOptions::new().on(Handle::ID)).await;
        assert!(
            matches!(not_a_key, Err(Error::Validation { .. })),
            "{not_a_key:?}"
        );
    } else {
        // MySQL's ON DUPLICATE KEY fires on any unique index, so an
        // upsert there would update where the others refuse: typed refusal.
        assert!(
            matches!(unnamed, Err(Error::Unsupported { .. })),
            "{unnamed:?}"
        );
        let named = Handle::upsert_with(
            db,
            handle("a@x", "n1"),
            UpsertOptions::new().on(Handle::EMAIL),
        )
        .await;
        assert!(matches!(named, Err(Error::Unsupported { .. })), "{named:?}");
        assert_eq!(Handle::query().count(db).await.unwrap(), 0);
    }
}

pub async fn upsert_by_a_case_insensitive_key(db: &Connection) {
    db.register::<Account>();
    db.apply_schemas().await.unwrap();
    let a = Account::upsert(
        db,
        Account {
            email: "Ann@X.org".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let b = Account::upsert(
        db,
        Account {
            email: "ann@x.ORG".into(),
            exact: Some("second".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(a.id, b.id);
    let all = Account::query().all(db).await.unwrap();
    assert_eq!(all.len(), 1);
    // The key matched case-insensitively; the text is the latest as written.
    assert_eq!(all[0].email, "ann@x.ORG");
    assert_eq!(all[0].exact.as_deref(), Some("second"));
}

pub async fn upsert_in_a_rolled_back_transaction_stores_nothing(db: &Connection) {
    db.register::<Member>();
    db.apply_schemas().await.unwrap();
    Member::upsert(db, member("d@x.org", "D", 1)).await.unwrap();
    let tx = db.begin().await.unwrap();
    Member::upsert(&tx, member("d@x.org", "D2", 2))
        .await
        .unwrap();
    Member::upsert(&tx, member("e@x.org", "E", 1))
        .await
        .unwrap();
    assert_eq!(Member::query().count(&tx).await.unwrap(), 2);
    tx.rollback().await.unwrap();
    assert_eq!(Member::query().count(db).await.unwrap(), 1);
    assert_eq!(stored(db, "d@x.org").await.name, "D");
}
