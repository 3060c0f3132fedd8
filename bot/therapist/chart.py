"""The mood chart: ratings over time, incidents and crisis events marked, as PNG."""

from __future__ import annotations

import io

from bot.therapist.review import ClientRecord, period

# Colour-blind-safe (Okabe-Ito), and every mark also differs in shape.
_MOOD, _INCIDENT, _CRISIS = "#0072B2", "#E69F00", "#D55E00"


def mood_chart_png(record: ClientRecord, width_px: int = 900, height_px: int = 360) -> bytes:
    # Imported here: matplotlib costs half a second, and only the chart needs it.
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import dates as mdates
    from matplotlib.figure import Figure

    dpi = 100
    figure = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    axes = figure.add_subplot()
    oldest_first = list(reversed(record.entries))
    rated = [e for e in oldest_first if e.mood is not None]
    if rated:
        axes.plot(
            [e.created_at for e in rated],
            [e.mood for e in rated],
            color=_MOOD,
            marker="o",
            markersize=3,
            linewidth=1.2,
            label="Mood (0-10)",
        )
    incidents = [e for e in oldest_first if e.kind == "incident"]
    if incidents:
        axes.scatter(
            [e.created_at for e in incidents],
            [e.mood if e.mood is not None else 0 for e in incidents],
            marker="^",
            s=40,
            color=_INCIDENT,
            zorder=3,
            label="Incident",
        )
    crises = [c for c in record.crisis if c.kind in ("detected", "not_safe")]
    for number, event in enumerate(crises):
        axes.axvline(
            event.created_at,
            color=_CRISIS,
            linestyle="--",
            linewidth=1.5,
            label="Crisis event" if number == 0 else None,
        )
    start, end = period(record)
    # A little room either side, so a mark on the first or last day shows whole.
    margin = (end - start) * 0.02
    axes.set_xlim(start - margin, end + margin)
    axes.set_ylim(-0.5, 10.5)
    axes.set_yticks(range(0, 11, 2))
    axes.set_ylabel("Mood")
    axes.grid(axis="y", alpha=0.3)
    if rated or incidents or crises:
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
        axes.legend(loc="upper left", fontsize="small", frameon=False, ncol=3)
    else:
        axes.set_xticks([])
        axes.text(0.5, 0.5, "No entries in this period", ha="center", transform=axes.transAxes)
    figure.autofmt_xdate()
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
