"""Budget lines: a figure, its unit, the limit, PASS or FAIL."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Report:
    lines: list[tuple[str, bool | None]] = field(default_factory=list)

    def section(self, title: str) -> None:
        print(f"\n== {title}", flush=True)

    def info(self, text: str) -> None:
        print(f"   {text}", flush=True)

    def check(
        self, label: str, value: float, unit: str, limit: float, *, at_least: bool = False, fmt: str = "{:.1f}"
    ) -> bool:
        ok = value >= limit if at_least else value <= limit
        sign = "≥" if at_least else "≤"
        line = (
            f"{label}: {fmt.format(value)} {unit} (budget {sign} {fmt.format(limit)} {unit}) {'PASS' if ok else 'FAIL'}"
        )
        self.lines.append((line, ok))
        print(f"   {line}", flush=True)
        return ok

    @property
    def failed(self) -> list[str]:
        return [line for line, ok in self.lines if ok is False]
