"""The splitter on pages in the other languages of the talks' coverage: Russian and Turkish
pages with their menus, share buttons, advertisement labels, tags, "Read also" blocks, comment
threads and copyright lines, in their own words."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from istanbul_talks.dataset.layouts import detect_layout
from istanbul_talks.dataset.report import account
from istanbul_talks.dataset.split import split_text


@dataclass(frozen=True)
class Page:
    """A news page's parts, in the order the page prints them (see `text`)."""

    menu: list[str]
    title: str
    date: str
    byline: str  # the line under the date
    dateline: str  # opens the first paragraph
    paragraphs: list[str]
    advertisement: str
    tags: list[str]
    read_also: str
    related_title: str
    related_body: str
    comments: list[str]
    copyright: str

    def text(self) -> str:
        lines = [
            *self.menu,
            self.title,
            self.date,
            self.byline,
            self.dateline + self.paragraphs[0],
            self.paragraphs[1],
            self.advertisement,
            *self.paragraphs[2:],
            *self.tags,
            self.read_also,
            self.related_title,
            self.related_body,
            *self.comments,
            self.copyright,
        ]
        return "\n".join(lines) + "\n"


PAGES = {
    "ru": Page(
        menu=["Главная", "Новости", "Политика", "В мире", "Поделиться"],
        title="Россия и Украина провели новый раунд переговоров в Стамбуле",
        date="15:42 02.06.2025",
        byline="Автор: Иван Петров",
        dateline="СТАМБУЛ, 2 июня. ",
        paragraphs=[
            "Делегации России и Украины в понедельник провели второй раунд прямых переговоров "
            "во дворце Чыраган в Стамбуле, сообщили источники в обеих делегациях.",
            "Встреча продолжалась чуть больше часа. По словам участников, стороны обменялись "
            "меморандумами с условиями прекращения огня и договорились о новом обмене пленными.",
            "Министр иностранных дел Турции Хакан Фидан, открывший встречу, заявил, что "
            "переговоры прошли в конструктивной атмосфере и что Анкара готова принять следующий "
            "раунд.",
            "Глава российской делегации Владимир Мединский сообщил журналистам, что стороны "
            "договорились обменяться телами шести тысяч погибших военнослужащих и всеми "
            "тяжелоранеными пленными.",
            "Украинская сторона, по данным источников, настаивала на безоговорочном прекращении "
            "огня на тридцать дней и на встрече президентов двух стран до конца месяца.",
        ],
        advertisement="Реклама",
        tags=["Теги:", "Турция"],
        read_also="Читайте также",
        related_title="Зеленский назвал условия для встречи с Путиным",
        related_body=(
            "Украинский президент заявил, что готов к встрече на высшем уровне, если Москва "
            "согласится на безоговорочное прекращение огня на тридцать дней, сообщила его "
            "пресс-служба в понедельник вечером."
        ),
        comments=[
            "Комментарии",
            "Оставить комментарий",
            "Иван",
            "Наконец-то они договорились хоть о чём-то, посмотрим, что будет дальше с этим "
            "перемирием и обменом пленными.",
        ],
        copyright="© 2025 Все права защищены",
    ),
    "tr": Page(
        menu=["Anasayfa", "Gündem", "Dünya", "Paylaş"],
        title="Rusya ve Ukrayna heyetleri İstanbul'da ikinci tur görüşmeleri tamamladı",
        date="02.06.2025 15:42",
        byline="Muhabir: Ahmet Yılmaz",
        dateline="İSTANBUL (AA) - ",
        paragraphs=[
            "Rusya ve Ukrayna heyetleri, Çırağan Sarayı'nda doğrudan görüşmelerin ikinci turunu "
            "gerçekleştirdi. Görüşme bir saatten biraz fazla sürdü.",
            "Taraflar ateşkes koşullarını içeren mutabakat metinlerini karşılıklı olarak teslim "
            "etti ve yeni bir esir takası konusunda anlaştı.",
            "Dışişleri Bakanı Hakan Fidan, görüşmelerin yapıcı bir atmosferde geçtiğini ve "
            "Ankara'nın bir sonraki turu da ağırlamaya hazır olduğunu söyledi.",
            "Rus heyetinin başkanı Vladimir Medinskiy, tarafların altı bin asker cenazesinin ve "
            "ağır yaralı tüm esirlerin karşılıklı teslimi konusunda uzlaştığını açıkladı.",
            "Ukrayna tarafının ise otuz günlük koşulsuz ateşkes ve iki ülke liderlerinin ay "
            "sonuna kadar bir araya gelmesi konusunda ısrar ettiği bildirildi.",
        ],
        advertisement="Reklam",
        tags=["Etiketler", "Türkiye"],
        read_also="İlgili Haberler",
        related_title="Zelenskiy, Putin ile görüşme şartlarını açıkladı",
        related_body=(
            "Ukrayna Devlet Başkanı, Moskova'nın otuz günlük koşulsuz ateşkesi kabul etmesi "
            "halinde zirve düzeyinde bir görüşmeye hazır olduğunu belirtti, basın servisi "
            "pazartesi akşamı duyurdu."
        ),
        comments=[
            "Yorumlar",
            "Yorum yap",
            "Mehmet",
            "Sonunda bir konuda anlaşabildiler, bakalım bu ateşkes ve esir takası konusunda "
            "bundan sonra ne olacak, umarım kalıcı olur.",
        ],
        copyright="© 2025 Tüm hakları saklıdır",
    ),
}


@pytest.mark.parametrize("language", sorted(PAGES))
def test_pages_in_the_other_languages_of_the_coverage(language):
    page = PAGES[language]
    text = page.text()
    result = split_text(text)
    account(language, f"{language}.txt", text, result.pieces)  # every character accounted for
    main, related = result.articles
    assert (main.role, main.title, main.published_raw) == ("main", page.title, page.date)
    assert main.dateline == page.dateline.split()[0].rstrip(",")
    assert main.byline == page.byline.split(": ")[1]
    assert main.body == "\n\n".join(page.paragraphs)
    assert (related.role, related.title, related.body) == (
        "related",
        page.related_title,
        page.related_body,
    )
    labels = {text[p.start : p.end]: p.label for p in result.pieces if p.category == "boilerplate"}
    assert [
        labels.get(line)
        for line in (
            page.menu[0],
            page.menu[-1],
            page.advertisement,
            page.tags[0],
            page.read_also,
            page.comments[1],
            page.comments[3],
            page.copyright,
        )
    ] == [
        "navigation",
        "share_bar",
        "advertisement",
        "tag_list_header",
        "section_marker",
        "comments_heading",
        "comments_section",  # a reader's comment is no article's text
        "copyright_notice",
    ]


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("Нашли ошибку? Выделите её и нажмите Ctrl+Enter", "error_report"),
        ("Помітили помилку? Виділіть її та натисніть Ctrl+Enter", "error_report"),
        ("Подпишитесь на нашу рассылку", "newsletter_prompt"),
        ("Bültenimize abone olun", "newsletter_prompt"),
        ("Press Ctrl+Enter to run the cell.", None),  # an instruction in a tutorial
        ("Поделиться", "share_bar"),
        ("5 комментариев", "comments_widget"),
        ("Новости", "navigation"),
    ],
)
def test_widgets_in_the_other_languages_are_named(line, rule):
    found = detect_layout(line).boilerplate_rule(line)
    assert (found.rule if found else None) == rule
