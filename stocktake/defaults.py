"""What a round's workbook shows where the round holds no text of its own: the framework's."""

from __future__ import annotations

from atf.loader import heading_text
from atf.models import SystemRecommendation, Theme


def default_heading(section: Theme | SystemRecommendation) -> str:
    recommendations = [r.text for r in section.recommendations.all()] if isinstance(section, Theme) else []
    return heading_text(section.number, section.title, recommendations)


def default_indicators(section: Theme | SystemRecommendation) -> str:
    """For a round that never had a workbook: the theme's indicators, one paragraph each."""
    if not isinstance(section, Theme):
        return ""
    return "\n\n".join(i.name for i in section.indicators.all())


def row_texts(row, section) -> tuple[str, str]:
    """The first cell and the Beacon Indicators cell of a section's row, as the workbook shows them."""
    heading = row.heading_text if row is not None and row.heading_text else default_heading(section)
    indicators = row.indicators_text if row is not None else default_indicators(section)
    return heading, indicators
