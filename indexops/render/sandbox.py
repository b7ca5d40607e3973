"""The sandbox summary table."""

from __future__ import annotations

from rich.table import Table


def sandbox_summary(running, deployment: dict | None) -> Table:
    table = Table(title="indexops sandbox", show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value")
    table.add_row("RPC URL", running.rpc_url)
    table.add_row("chain id", "31337")
    table.add_row("anvil pid", str(running.pid))
    if deployment:
        for key, product in deployment["products"].items():
            operator = (
                "2-of-3 Safe " + product["operator"]
                if product["operator"] == deployment["safe"]["safe"]
                else product["operator"]
            )
            table.add_row(f"{key} SetToken", product["set_token"])
            table.add_row(f"{key} operator", operator)
        for key, product in deployment.get("leverage", {}).get("products", {}).items():
            table.add_row(f"{key} SetToken", product["set_token"])
            table.add_row(f"{key} strategy", product["strategy"])
        table.add_row("GIM trader", deployment["accounts"]["trader"])
        if "keeper" in deployment["accounts"]:
            table.add_row("FLI keeper", deployment["accounts"]["keeper"])
        table.add_row("Safe owners", ", ".join(deployment["accounts"]["safe_owners"]))
        table.add_row("try", "indexops status dpi")
    return table
