"""WCAG 2.2 contrast ratios, for checking a clinic's colours before they reach paper."""

from __future__ import annotations

NORMAL_TEXT = 4.5   # WCAG 1.4.3, text under 18 pt (14 pt bold)
LARGE_TEXT = 3.0    # WCAG 1.4.3, large headings
NON_TEXT = 3.0      # WCAG 1.4.11, borders and marks that carry meaning


def _channel(c: int) -> float:
    s = c / 255
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


def luminance(hex_color: str) -> float:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def ratio(foreground: str, background: str) -> float:
    a, b = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)
