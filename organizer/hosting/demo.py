"""A labelled demo event with realistic guests, so a newcomer sees the whole kit at work."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..rsvp.models import Attendance
from ..rsvp.services import GuestAnswers, create_guest
from .models import Event
from .services import EventDetails, create_event

DEMO_SLUG = "demo-pay-it-forward"

# name, company, role, can offer, could use, attendance
DEMO_GUESTS: list[tuple[str, str, str, str, str, str]] = [
    ("Priya Raman", "Northwind Capital", "VP Talent", "Intros to finance recruiters; reviewing CVs for finance roles", "A good UX designer for our careers site", "yes"),
    ("Bob Okafor", "Okafor Analytics", "Founder", "Power BI dashboards, data cleaning advice", "Finding finance candidates, a fractional CFO", "yes"),
    ("Zofia Wiśniewska", "Kraków Design Co.", "UX designer", "UX reviews of your app or website, Figma workshops", "Clients in fintech; advice on pricing freelance work", "yes"),
    ("Nguyễn Thị Hương", "Saigon Roasters", "Co-owner", "Coffee for your office events, supplier contacts in Vietnam", "Help with export paperwork to the EU; a bookkeeper", "yes"),
    ("Δημήτρης Παπαδόπουλος", "Aegean Logistics", "Operations lead", "Shipping and customs know-how for the EU, freight forwarder contacts", "A Python developer for a small automation project", "yes"),
    ("Анна Иванова", "Freelance", "Python developer", "Python scripts and automation, teaching beginners to code", "Introductions to logistics or shipping companies; a mentor for going independent", "yes"),
    ("Yusuf Al-Amin / يوسف الأمين", "Crescent Legal", "Solicitor", "Free 30-minute chat on contracts and incorporating a company", "Marketing help for a small law practice; a photographer for headshots", "yes"),
    ("Noa Levi / נועה לוי", "Levi Photo", "Photographer", "Professional headshots, event photography", "Bookkeeping help and someone to do my tax return", "yes"),
    ("Margaret Chen", "Chen & Partners", "Chartered accountant", "Bookkeeping, tax returns, setting up Xero", "Clients who are freelancers or small shops; a website refresh", "yes"),
    ("Tomás Ferreira", "Web Garden", "Web developer", "Building or refreshing small business websites, WordPress fixes", "More clients; a lawyer to look over my freelance contract", "yes"),
    ("Aisha Bello", "Bloom Marketing", "Marketing consultant", "Social media strategy, newsletter and LinkedIn tips", "Investors for a wellness start-up; a grant writer", "maybe"),
    ("Henrik Sørensen", "Fjord Ventures", "Angel investor", "Feedback on pitch decks, intros to early-stage investors", "Deal flow: founders in climate tech", "yes"),
    ("Grace Mwangi", "SunLoop", "Founder, climate tech", "Talks on solar for schools, mentoring women founders", "Seed investors, a pitch deck review", "yes"),
    ("Lucas Martin", "Boulangerie Martin", "Baker and owner", "Pastries for your event, advice on running a food shop", "A marketing plan for a second shop; help with social media", "yes"),
    ("Mei Tanaka / 田中芽衣", "Tanaka Translations", "Translator", "Japanese–English translation, help with doing business in Japan", "Clients in tech or games; a website for my practice", "yes"),
    ("Olu Adeyemi", "CodeBridge", "Engineering manager", "Mock technical interviews, career advice for engineers", "Hiring two backend engineers; diversity recruiting partners", "yes"),
    ("Sofia Rossi", "Studio Rossi", "Brand designer", "Logo and brand identity design, a brand audit", "A mentor who has scaled a design studio", "yes"),
    ("Ravi Patel", "Patel Pharmacy", "Pharmacist and owner", "Health talks for your team, advice on retail stock", "Someone to set up online ordering for the shop", "yes"),
    ("Emma Johansson", "GreenLeaf NGO", "Programme director", "Volunteering opportunities, NGO board experience", "Grant writing help, pro bono legal advice", "yes"),
    ("Kwame Mensah", "Mensah Events", "Event planner", "Venue contacts, planning a launch or conference", "A photographer for events; catering suppliers", "yes"),
    ("Isabel García", "García Coaching", "Career coach", "CV and résumé reviews, interview coaching", "Corporate clients for workshops", "yes"),
    ("Daniel Kim", "Hanbit Games", "Game producer", "Playtesting and advice on game design", "A Japanese translator for our game; a composer", "yes"),
    ("Fatima Zahra", "Atlas Data", "Data scientist", "Machine learning advice, help with Python and SQL", "A mentor in product management; public speaking practice", "yes"),
    ("Oliver Brown", "Brown Audio", "Composer", "Music for games, videos and podcasts", "Clients who make games; an accountant who knows freelancers", "maybe"),
    ("Chloé Dubois", "Toastmasters Lyon", "Communications trainer", "Public speaking coaching, presentation feedback", "A designer for my workshop slides", "yes"),
    ("Arjun Mehta", "Mehta Product Labs", "Product manager", "Product management mentoring, roadmap reviews", "A data scientist for a churn model; intros to SaaS founders", "yes"),
    ("Lena Fischer", "Fischer Cargo", "Customs broker", "Customs clearance and import duties advice", "IT support for a small office", "no"),
    ("Samuel Osei", "Osei IT", "IT consultant", "IT support and network setup for small offices, cyber security basics", "Sales leads; help writing a business plan", "yes"),
    ("Hannah Schmidt", "SchmidtCo", "Business analyst", "Writing business plans, financial models in Excel", "A UX designer for an internal tool", "yes"),
    ("Mateo López", "López Catering", "Chef", "Catering for events up to 200 people", "An event planner to partner with; a food photographer", "yes"),
    ("Julia Nowak", "Nowak Law", "Employment lawyer", "Employment law questions, reviewing contracts", "A bookkeeper; referrals from HR people", "yes"),
    ("Wei Zhang / 张伟", "Lotus Import", "Trader", "Sourcing manufacturers in China, import advice", "An English copywriter for product pages", "yes"),
    ("Rachel Green", "Wordsmith", "Copywriter", "Website copy, product descriptions, editing", "Clients in e-commerce; a mentor for running an agency", "yes"),
    ("Ahmed Hassan", "Nile Robotics", "CTO", "Advice on hardware start-ups, intros to engineers", "Seed funding, a CFO for a few hours a month", "yes"),
    ("Ingrid Olsen", "Olsen Finance", "Fractional CFO", "Part-time CFO services, fundraising financial models", "Start-ups that need a finance lead", "yes"),
    ("Peter Novak", "Novak Print", "Print shop owner", "Printing badges, flyers and banners at cost for community events", "A website refresh; help with online marketing", "yes"),
    ("Leila Karimi", "Karimi HR", "HR consultant", "HR policies, hiring processes, referrals to employment lawyers", "A payroll provider; a Farsi-speaking accountant", "yes"),
    ("Jonas Berg", "Berg Studio", "Podcast producer", "Podcast editing and launch help", "Guests for my podcast on small business; a composer for the intro", "yes"),
    ("Carmen Ortiz", "Ortiz Realty", "Estate agent", "Finding office space or a shop to rent", "A photographer for property photos", "waitlist"),
    ("Thabo Nkosi", "Ubuntu Mentors", "Mentor", "Mentoring first-time founders, intros in Johannesburg", "Volunteers to mentor students", "yes"),
]


def load_demo_event(session: Session, *, now: datetime | None = None) -> Event:
    """Create (or return the existing) demo event with its guests (caller commits)."""
    existing = session.scalar(select(Event).where(Event.slug == DEMO_SLUG))
    if existing is not None:
        return existing
    now = now or datetime.now(timezone.utc)
    starts = (now + timedelta(days=14)).replace(hour=18, minute=0, second=0, microsecond=0)
    event = create_event(session, EventDetails(
        title="Demo: Pay-It-Forward Networking Night", slug=DEMO_SLUG, starts_at=starts,
        ends_at=starts + timedelta(hours=3), timezone="Europe/London",
        venue="The Loft, 12 Market Street (demo)",
        description="A made-up event to explore the kit. Every guest here is fictional.",
        capacity=36, rsvp_deadline=starts - timedelta(days=1),
        categories=["Hiring", "Funding", "Design", "Legal", "Marketing", "Tech"]),
        is_demo=True)
    for i, (name, company, role, offer, need, answer) in enumerate(DEMO_GUESTS):
        email = f"demo{i + 1}@example.com"
        create_guest(session, event, GuestAnswers(
            name=name, email=email, company=company, role=role, can_offer=offer,
            could_use=need, consent_share=i % 4 != 3,
            attendance=Attendance(answer if answer != "waitlist" else "yes")),
            source="demo", now=now)
    return event
