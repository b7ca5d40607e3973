"""The products list table."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table


def products_table(loaded, rows: list[dict]) -> Table:
    table = Table(
        title=escape(f"Products in {loaded.path} (default network: {loaded.file.default_network})"),
        title_justify="left",
    )
    for name in ("key", "name", "kind", "network", "SetToken", "manager"):
        table.add_column(name)
    for row in rows:
        for index, (network, deployment) in enumerate(sorted(row["networks"].items())):
            first = index == 0
            table.add_row(
                row["key"] if first else "",
                f"{row['name']} ({row['symbol']})" if first else "",
                row["kind"] if first else "",
                network,
                deployment["set_token"],
                deployment["manager_kind"],
            )
    return table
