"""Badge data in many scripts, shared by the badge tests."""
from __future__ import annotations

import secrets

from organizer.badges.render import BadgeData

NAMES = [
    ("Zażółć Gęślą-Jaźń", "Politechnika Warszawska", "Researcher"),
    ("Nguyễn Thị Minh Khai", "Saigon Coffee Co.", "Founder"),
    ("Αλέξανδρος Παπαδόπουλος", "", "Designer"),
    ("Дмитрий Шостакович", "Композиторы", ""),
    ("محمد بن سلمان العتيبي", "شركة المستقبل", "مدير"),
    ("דוד בן-גוריון", "", ""),
    ("李小龍", "山田商事", "社長"),
    ("김민준 (Minjun Kim)", "Samsung", "PM"),
    ("Ana 😀🎉 Silva", "Emoji Corp ☕", "Chief Happiness Officer"),
    ("Maximilian Alexander Friedrich Wilhelm von Hohenzollern-Sigmaringen der Dritte",
     "A very long company name that goes on and on GmbH & Co. KG",
     "Senior Vice President of Strategic Partnerships and Long Titles"),
    ("Bo", "X", ""),
    ("Jo\x00hn\x07 \u202eDoe", "Ctrl\tCo", ""),
]


def sample_badges(count: int | None = None,
                  base_url: str = "http://party.test") -> list[BadgeData]:
    """Badges with names in many scripts, distinct random QR tokens, some with intros."""
    rows = NAMES * (1 + (count or len(NAMES)) // len(NAMES))
    return [BadgeData(name=name, company=company, role=role,
                      offer_summary="Intros to finance recruiters" if i % 3 else "",
                      need_summary="Beta testers for a very long mobile app project name"
                      if i % 2 else "Design feedback",
                      event_title="Pay-It-Forward Party — Winter 2026", badge_number=i + 1,
                      qr_url=f"{base_url}/b/{secrets.token_urlsafe(18)}",
                      intros=["Priya Shah — can offer intros to finance recruiters"] * (i % 3))
            for i, (name, company, role) in enumerate(rows[:count or len(NAMES)])]
