//! Reading a 数电发票's XML file (R19): `domain::einvoice::read` on the hotel invoice of R19's
//! worked example (about 5 KiB with its signature block, as real files carry), beside merely
//! parsing the same bytes with roxmltree, the XML crate the reader uses.
//!
//! `cargo bench --bench einvoice`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

use baoxiao::domain::einvoice;

const HOTEL: &[u8] = include_bytes!("../tests/fixtures/einvoice/hotel.xml");

fn reading(c: &mut Criterion) {
    let mut group = c.benchmark_group("einvoice");
    group.throughput(Throughput::Elements(1));
    group.bench_function("read (checks, fields, R1 amount)", |b| {
        b.iter(|| einvoice::read(black_box(HOTEL)))
    });
    group.bench_function("parse only (roxmltree)", |b| {
        b.iter(|| {
            let text = std::str::from_utf8(black_box(HOTEL)).unwrap_or_default();
            roxmltree::Document::parse(text).map(|d| d.root_element().children().count())
        })
    });
    group.finish();
}

criterion_group!(benches, reading);
criterion_main!(benches);
