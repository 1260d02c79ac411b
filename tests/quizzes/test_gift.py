"""GIFT parser (lms/quizzes/gift.py): Moodle's fixtures, every construct, and broken questions.

Pure unit tests: no app, no database. Moodle's own fixture files are read from the shared folder
next to the repository (they are GPL-licensed and are not copied into this project).
"""

from __future__ import annotations

from collections import Counter

import pytest

from lms.quizzes.gift import BLANK, parse_gift
from lms.quizzes.questions import QuestionType
from tests.shared_files import fixture_text

T = QuestionType


def only(text: str):
    """Parse text that must hold exactly one good question, and return it."""
    result = parse_gift(text)
    assert result.errors == []
    assert len(result.questions) == 1, result.questions
    return result.questions[0]


def error_of(text: str):
    """Parse text that must hold exactly one broken question, and return its error."""
    result = parse_gift(text)
    assert result.questions == []
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


# --- Moodle's fixtures ----------------------------------------------------------------------


def test_moodle_questions_fixture_imports_nine_questions_in_order():
    result = parse_gift(fixture_text("gift", "questions.gift.txt"))

    assert result.errors == []
    assert [q.type for q in result.questions] == [
        T.ESSAY,
        T.MATCHING,
        T.SINGLE,
        T.MULTIPLE,
        T.NUMERICAL,
        T.SHORT_ANSWER,
        T.TRUE_FALSE,
        T.TRUE_FALSE,
        T.TRUE_FALSE,
    ]
    assert [q.title for q in result.questions] == [
        "Q8",
        "Moodle activities",
        "Q2",
        "colours",
        "Q5",
        "Shortanswer",
        "Q1",
        "2-08 TSL",
        "2-08 TSL",
    ]


def test_moodle_questions_fixture_details():
    essay, matching, single, multiple, numerical, short, tf_false, tf_t, tf_true = parse_gift(
        fixture_text("gift", "questions.gift.txt")
    ).questions

    assert essay.text == "How are you?"
    assert matching.text == "Match the <b>activity</b> to the description."
    assert [p.answer for p in matching.pairs] == ["Forum", "Choice", "Database", "Wiki", "Chat"]
    assert matching.pairs[-1].prompt == ""  # "= -> Chat" is a distractor
    assert "<strong>" not in matching.pairs[3].prompt and "A collection of web pages" in matching.pairs[3].prompt

    assert [(c.text, c.weight) for c in single.choices] == [("yellow", 1.0), ("red", 0.0), ("blue", 0.0)]
    assert single.choices[0].feedback == "right; good!"
    assert single.choices[1].feedback == "wrong, it's yellow"

    assert [(c.text, c.weight) for c in multiple.choices] == [
        ("yellow", 0.5),
        ("red", -1.0),
        ("off-beige", 0.5),
        ("blue", -1.0),
    ]

    # {#3:2~#Completely wrong}";  -- the trailing "; is stray text and is dropped
    assert numerical.text == "What is a number from 1 to 5?"
    assert [(n.value, n.tolerance, n.weight) for n in numerical.numeric] == [(3.0, 2.0, 1.0), (None, 0.0, 0.0)]
    assert numerical.numeric[1].feedback == "Completely wrong"

    assert [(c.text, c.weight, c.feedback) for c in short.choices] == [
        ("Frog", 1.0, "Good!"),
        ("Cat", 0.5, "What is it with Moodlers and cats?"),
        ("*", 0.0, "Completely wrong"),
    ]

    assert tf_false.correct is False
    assert tf_false.text == "42 is the Absolute Answer to everything."
    assert tf_false.feedback_true == "42 is the Ultimate Answer."  # wrong answer's feedback comes first
    assert tf_false.feedback_false == "You gave the right answer."
    assert tf_false.general_feedback == "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    assert tf_t.correct is True and tf_true.correct is True


def test_moodle_category_fixture():
    result = parse_gift(fixture_text("gift", "questions_in_category.gift.txt"))

    assert result.errors == []
    assert [q.type for q in result.questions] == [T.MATCHING, T.SINGLE, T.SHORT_ANSWER, T.TRUE_FALSE]
    assert {q.category for q in result.questions} == {"$course$/Default for New Features"}
    assert [q.title for q in result.questions] == ["Moodle activities", "Greeting", "Moodle user", "Moodle acronym"]

    greeting = result.questions[1]
    assert 'href="http://demo.moodle.net/file.php/5/media/bonjour.mp3"' in greeting.text  # \= and \: restored
    assert "Listen to this greeting:</a>" in greeting.text
    assert "\\" not in greeting.text
    assert [c.text for c in greeting.choices if c.weight == 1.0] == ["French"]
    assert greeting.choices[1].feedback == "Yes, well done!"

    moodler = result.questions[2]
    assert [(c.text, c.weight, c.feedback) for c in moodler.choices] == [("Moodler", 1.0, "")]

    acronym = result.questions[3]
    assert acronym.correct is True
    assert "Modular Object-Oriented Dynamic Learning Environment</span>." in acronym.text
    assert "style" not in acronym.text  # style= attributes are sanitized away


def test_moodle_examples_fixture():
    result = parse_gift(fixture_text("gift", "examples.txt"))

    assert result.errors == []
    assert len(result.questions) == 43
    assert Counter(q.type for q in result.questions) == {
        T.SINGLE: 16,
        T.SHORT_ANSWER: 9,
        T.NUMERICAL: 8,
        T.TRUE_FALSE: 5,
        T.MATCHING: 3,
        T.MULTIPLE: 2,
    }
    by_line = {q.line: q for q in result.questions}

    tomb = by_line[8]  # Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}
    assert tomb.type == T.SINGLE
    assert [(c.text, c.weight) for c in tomb.choices] == [("Grant", 0.0), ("Jefferson", 0.0), ("no one", 1.0)]

    missing = by_line[10]  # Grant is {~buried =entombed ~living} in Grant's tomb.
    assert missing.type == T.SINGLE
    assert missing.text == f"Grant is {BLANK} in Grant's tomb."

    assert by_line[12].type == T.TRUE_FALSE and by_line[12].correct is False
    assert [c.text for c in by_line[14].choices] == ["no one", "nobody"]
    assert by_line[16].type == T.NUMERICAL
    assert [(n.value, n.tolerance) for n in by_line[16].numeric] == [(1822.0, 1.0)]

    pi_range = by_line[74]  # {#3.141..3.142}.
    assert pi_range.numeric[0].value == pytest.approx(3.1415)
    assert pi_range.numeric[0].tolerance == pytest.approx(0.0005)

    grant = by_line[76]  # {# =1822:0 =%50%1822:2}
    assert [(n.value, n.tolerance, n.weight) for n in grant.numeric] == [(1822.0, 0.0, 1.0), (1822.0, 2.0, 0.5)]

    kanji = by_line[90]
    assert kanji.title == "Kanji Origins"
    assert kanji.text == "Japanese characters originally<br>came from what country?"

    assert "<strong>Grant's tomb</strong>" in by_line[108].text  # [markdown]
    assert by_line[113].feedback_true == "No one is buried in Grant's tomb."

    wives = by_line[136]
    assert wives.type == T.MULTIPLE
    assert [c.weight for c in wives.choices] == [-0.5, 0.5, 0.5, -0.5]

    equals = by_line[143]
    assert [(c.text, c.weight) for c in equals.choices] == [("= 2 + 2", 0.0), ("= 2 + 3", 1.0), ("= 2 + 4", 0.0)]

    control = by_line[148]
    assert control.title == "GIFT Control Characters"
    assert [c.text for c in control.choices] == ["~", "=", "#", "{", "}", "\\"]
    assert [c.weight for c in control.choices] == [0, 0, 0, 0, 0, 1.0]
    assert control.choices[0].feedback == "~ is a control character."

    capitals = by_line[177]
    assert [(p.prompt, p.answer) for p in capitals.pairs] == [
        ("Canada", "Ottawa"),
        ("Italy", "Rome"),
        ("Japan", "Tokyo"),
    ]

    numeric_feedback = by_line[202]
    assert numeric_feedback.numeric[0].feedback == "Correct! 100% credit"
    assert numeric_feedback.numeric[1].weight == 0.5


# --- one construct at a time ----------------------------------------------------------------


def test_single_choice_with_percentage_weights():
    q = only("Jesus Christ was from {~Jerusalem ~%25%Bethlehem ~%-50%Rome =Nazareth}.")
    assert q.type == T.SINGLE
    assert [(c.text, c.weight) for c in q.choices] == [
        ("Jerusalem", 0.0),
        ("Bethlehem", 0.25),
        ("Rome", -0.5),
        ("Nazareth", 1.0),
    ]
    assert q.text == "Jesus Christ was from"  # the "." after the brace is stray text


def test_single_choice_with_decimal_weight():
    q = only("Q{=right ~%33.5%close}")
    assert [c.weight for c in q.choices] == [1.0, 0.335]


def test_multiple_response_with_positive_and_negative_weights():
    q = only("Which are prime?{~%50%2 ~%50%3 ~%-100%4 ~1}")
    assert q.type == T.MULTIPLE
    assert [(c.text, c.weight) for c in q.choices] == [("2", 0.5), ("3", 0.5), ("4", -1.0), ("1", 0.0)]


def test_multiple_response_weights_may_be_thirds():
    q = only("Q{~%33.333%a ~%33.333%b ~%33.333%c ~%-100%d}")
    assert q.type == T.MULTIPLE


@pytest.mark.parametrize(
    ("word", "correct"),
    [
        ("T", True),
        ("TRUE", True),
        ("F", False),
        ("FALSE", False),
    ],
)
def test_true_false_words_in_capitals(word, correct):
    q = only(f"The sun rises in the east.{{{word}}}")
    assert q.type == T.TRUE_FALSE
    assert q.correct is correct
    assert q.text == "The sun rises in the east."
    assert q.choices == []


def test_true_false_feedback_order_wrong_then_right_when_true():
    q = only("The sun rises in the east.{TRUE#No, look again.#Yes, in the east.}")
    assert q.correct is True
    assert q.feedback_true == "Yes, in the east."  # answering true is right: the second feedback
    assert q.feedback_false == "No, look again."


def test_true_false_feedback_order_wrong_then_right_when_false():
    q = only("The sun rises in the west.{F#Wrong, it rises in the east.#Right!}")
    assert q.correct is False
    assert q.feedback_true == "Wrong, it rises in the east."
    assert q.feedback_false == "Right!"


def test_true_false_with_only_the_wrong_feedback():
    q = only("Grant is buried in Grant's tomb.{FALSE#No one is buried there.}")
    assert q.feedback_true == "No one is buried there."
    assert q.feedback_false == ""


def test_true_false_with_three_feedbacks_is_an_error():
    error = error_of("Q{T#a#b#c}")
    assert error.line == 1
    assert "two feedbacks" in error.message


def test_short_answer_with_wildcard_and_weights():
    q = only("Which is the best animal?{=Frog#Good! =%50%Cat =%25%*dog* =%0%*#Completely wrong}")
    assert q.type == T.SHORT_ANSWER
    assert [(c.text, c.weight, c.feedback) for c in q.choices] == [
        ("Frog", 1.0, "Good!"),
        ("Cat", 0.5, ""),
        ("*dog*", 0.25, ""),
        ("*", 0.0, "Completely wrong"),
    ]


def test_short_answer_is_plain_text_not_html():
    q = only("Q{=a < b =Tom & Jerry}")
    assert [c.text for c in q.choices] == ["a < b", "Tom & Jerry"]


def test_numerical_with_tolerance():
    q = only("When was Ulysses S. Grant born?{#1822:2}")
    assert q.type == T.NUMERICAL
    assert [(n.value, n.tolerance, n.weight) for n in q.numeric] == [(1822.0, 2.0, 1.0)]


def test_numerical_exact_and_negative_and_exponent():
    assert [(n.value, n.tolerance) for n in only("Q{#-4.5}").numeric] == [(-4.5, 0.0)]
    assert [(n.value, n.tolerance) for n in only("Q{#1e3:5}").numeric] == [(1000.0, 5.0)]


def test_numerical_range_becomes_midpoint_and_tolerance():
    q = only("What is a number from 1 to 5?{#1..5}")
    assert [(n.value, n.tolerance, n.weight) for n in q.numeric] == [(3.0, 2.0, 1.0)]


def test_numerical_reversed_range():
    q = only("Q{#5..1}")
    assert [(n.value, n.tolerance) for n in q.numeric] == [(3.0, 2.0)]


def test_numerical_several_answers_with_partial_credit():
    q = only("When was Ulysses S. Grant born?{#=1822:0 =%50%1822:2}")
    assert [(n.value, n.tolerance, n.weight) for n in q.numeric] == [(1822.0, 0.0, 1.0), (1822.0, 2.0, 0.5)]


def test_numerical_catch_all_feedback_after_one_answer():
    q = only("Q{#3:2 ~#Completely wrong}")
    assert [(n.value, n.weight, n.feedback) for n in q.numeric] == [(3.0, 1.0, ""), (None, 0.0, "Completely wrong")]


def test_numerical_catch_all_feedback_after_several_answers():
    q = only("Q{#=1822:0#Exactly =%50%1822:2#Close ~#Not even close}")
    assert [(n.value, n.weight, n.feedback) for n in q.numeric] == [
        (1822.0, 1.0, "Exactly"),
        (1822.0, 0.5, "Close"),
        (None, 0.0, "Not even close"),
    ]


def test_matching_with_a_distractor():
    q = only("Match the capitals.{=Canada -> Ottawa =Italy -> Rome =Japan->Tokyo = -> Paris}")
    assert q.type == T.MATCHING
    assert [(p.prompt, p.answer) for p in q.pairs] == [
        ("Canada", "Ottawa"),
        ("Italy", "Rome"),
        ("Japan", "Tokyo"),
        ("", "Paris"),
    ]


def test_matching_answers_are_plain_text():
    q = only("Q{=a -> <b>x</b> =b -> y}")
    assert q.pairs[0].answer == "&lt;b&gt;x&lt;/b&gt;"


def test_missing_word_puts_a_blank_in_the_text():
    q = only("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert q.type == T.SINGLE
    assert q.text == "Grant is _____ in Grant's tomb."
    assert q.title == "Grant is _____ in Grant's tomb."


def test_missing_word_over_several_lines():
    q = only("The holiday is on the {\n    ~second\n    =fourth\n} Thursday of November.")
    assert q.text == "The holiday is on the _____ Thursday of November."
    assert [c.text for c in q.choices] == ["second", "fourth"]


def test_answers_at_the_start_make_a_blank_at_the_start():
    q = only("{=Hanoi ~Hue} is the capital.")
    assert q.text == "_____ is the capital."


def test_essay():
    q = only("::Case::Write about a citizen's complaint.{}")
    assert q.type == T.ESSAY
    assert q.text == "Write about a citizen's complaint."
    assert q.choices == [] and q.numeric == [] and q.pairs == []


def test_essay_with_general_feedback():
    q = only("Explain.{####Mention the one-stop shop.}")
    assert q.type == T.ESSAY
    assert q.general_feedback == "Mention the one-stop shop."


def test_description_has_no_braces():
    q = only("::Intro::The next questions are about procedures.")
    assert q.type == T.DESCRIPTION
    assert q.text == "The next questions are about procedures."
    assert q.title == "Intro"
    assert not q.graded


def test_title():
    q = only("::Một cửa:: Cơ chế tiếp nhận hồ sơ?{=một cửa}")
    assert q.title == "Một cửa"
    assert q.text == "Cơ chế tiếp nhận hồ sơ?"


def test_title_with_escaped_colon():
    q = only(r"::Time\: 10\:30::When?{T}")
    assert q.title == "Time: 10:30"


def test_title_defaults_to_the_text_cut_at_80_characters():
    text = "A" * 100
    q = only(text + "{T}")
    assert q.title == "A" * 80


def test_unclosed_title_is_read_as_moodle_does_with_a_warning():
    result = parse_gift("::Title Q{T}")
    assert result.errors == []
    assert [(q.title, q.text, q.type) for q in result.questions] == [("Title Q", "Title Q", T.TRUE_FALSE)]
    assert [(w.line, w.message) for w in result.warnings] == [
        (1, "the title's '::' is never closed; the question is read without a title")
    ]


def test_comments_are_ignored_including_inside_an_answer_block():
    result = parse_gift(
        "// a comment before\n"
        "::Q:: Pick one {\n"
        "    =right # well done\n"
        "    // a comment line inside the answers ~wrong\n"
        "    ~wrong\n"
        "}\n"
        "// a comment after\n"
    )
    assert result.errors == []
    [q] = result.questions
    assert q.line == 2
    assert [(c.text, c.weight) for c in q.choices] == [("right", 1.0), ("wrong", 0.0)]
    assert q.choices[0].feedback == "well done"


def test_double_slash_inside_a_line_is_not_a_comment():
    q = only('[html]See <a href="https://example.org/x">this</a>.{T}')
    assert 'href="https://example.org/x"' in q.text


def test_category_lines_apply_to_the_questions_after_them():
    result = parse_gift(
        "$CATEGORY: $course$/Thủ tục\n\n::A::First{T}\n\n::B::Second{F}\n\n$CATEGORY: $course$/Khác\n\n::C::Third{T}\n"
    )
    assert result.errors == []
    assert [(q.title, q.category, q.line) for q in result.questions] == [
        ("A", "$course$/Thủ tục", 3),
        ("B", "$course$/Thủ tục", 5),
        ("C", "$course$/Khác", 9),
    ]


def test_no_category_by_default():
    assert only("Q{T}").category == ""


def test_per_answer_feedback():
    q = only("Q{=yes#Good. ~no#Sorry, [no]. ~maybe}")
    assert [c.feedback for c in q.choices] == ["Good.", "Sorry, [no].", ""]


def test_feedback_with_its_own_format():
    q = only("Q{=yes#[html]<b>Good</b> ~no#[plain]<i>no</i>}")
    assert q.choices[0].feedback == "<b>Good</b>"
    assert q.choices[1].feedback == "&lt;i&gt;no&lt;/i&gt;"


def test_general_feedback():
    q = only("Q{=yes ~no####It was yes, [see the law].}")
    assert q.general_feedback == "It was yes, [see the law]."
    assert [c.text for c in q.choices] == ["yes", "no"]


def test_format_html_keeps_markup():
    q = only("[html]Is <b>this</b> bold?\nYes.{T}")
    assert q.text == "Is <b>this</b> bold?\nYes."


def test_format_moodle_turns_newlines_into_breaks_and_keeps_markup():
    q = only("[moodle]Line <b>one</b>\nline two{T}")
    assert q.text == "Line <b>one</b><br>line two"


def test_default_format_is_moodle():
    assert only("Line one\nline two{T}").text == "Line one<br>line two"


def test_format_plain_escapes_markup():
    q = only("[plain]Is <b>this</b> bold? & more{T}")
    assert q.text == "Is &lt;b&gt;this&lt;/b&gt; bold? &amp; more"


def test_format_markdown_renders():
    q = only("[markdown]Is **this** bold?{T}")
    assert q.text == "<p>Is <strong>this</strong> bold?</p>"


def test_format_name_is_case_insensitive():
    assert only("[PLAIN]<b>x</b>{T}").text == "&lt;b&gt;x&lt;/b&gt;"


def test_format_of_one_answer():
    q = only("Q{=[markdown]**bold** ~[plain]<i>it</i> ~[html]<u>u</u>}")
    assert [c.text for c in q.choices] == ["<p><strong>bold</strong></p>", "&lt;i&gt;it&lt;/i&gt;", "<u>u</u>"]


def test_escapes_in_text_answers_and_feedback():
    q = only(r"Say \{hi\} \~ \= \# \: \\ ok?{=a\=b\#c#fb \~ \{x\} ~d\~e}")
    assert q.text == "Say {hi} ~ = # : \\ ok?"
    assert [c.text for c in q.choices] == ["a=b#c", "d~e"]
    assert q.choices[0].feedback == "fb ~ {x}"


def test_escaped_newline():
    q = only(r"First\nsecond{T}")
    assert q.text == "First<br>second"


@pytest.mark.parametrize("tail", ['";', ".", "  ;  ", "!?", '"'])
def test_stray_text_after_the_closing_brace_is_dropped(tail):
    q = only("What is a number from 1 to 5? {#3:2}" + tail)
    assert q.text == "What is a number from 1 to 5?"
    assert BLANK not in q.text


def test_words_after_the_closing_brace_make_a_missing_word_question():
    q = only("Two plus two equals {=four =4} exactly.")
    assert q.text == "Two plus two equals _____ exactly."


def test_script_in_html_text_never_survives():
    q = only(
        '[html]<script>alert("x")</script><b onclick="steal()">Bold</b>'
        '<a href="javascript:alert(1)">link</a><img src="x.png" onerror="alert(1)">'
        "{=ok#[html]<script>bad()</script>fine ~no####[html]<script>worse()</script>general}"
    )
    everything = " ".join([q.text, q.general_feedback] + [c.text + c.feedback for c in q.choices])
    assert "<script" not in everything.lower()
    assert "alert" not in everything and "bad()" not in everything and "worse()" not in everything
    assert "onclick" not in everything and "onerror" not in everything and "javascript:" not in everything
    assert "<b>Bold</b>" in q.text
    assert q.choices[0].feedback == "fine"
    assert q.general_feedback == "general"


def test_script_in_markdown_text_never_survives():
    q = only("[markdown]Hi <script>alert(1)</script> **there**{T}")
    assert "script" not in q.text and "alert" not in q.text
    assert "<strong>there</strong>" in q.text


def test_crlf_and_bom():
    result = parse_gift("\ufeff::A::Q{=a\r\n~b}\r\n\r\n::B::R{T}\r\n")
    assert result.errors == []
    assert [(q.title, q.line) for q in result.questions] == [("A", 1), ("B", 4)]


def test_vietnamese_text_is_normalised_to_nfc():
    nfd = "Thu\u0309 tu\u0323c"  # "Thủ tục" decomposed
    q = only(nfd + "{T}")
    assert q.text == "Thủ tục"


# --- broken questions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("Who is buried here? {=Grant ~Jefferson", "never closed"),
        ("Who is buried here? } no brace", "'}' without '{'"),
        ("[rtf]Who is buried here?{T}", "unknown text format [rtf]"),
        ("Who?{=[rtf]Grant ~Lee}", "unknown text format [rtf]"),
        ("Who?{~%50%Grant =%50%Lee ~Nobody}", "100%"),
        ("Who?{~%50%Grant ~%40%Lee ~Nobody}", "90%"),
        ("Who?{~%60%Grant ~%60%Lee}", "120%"),
        ("Match.{=Canada -> Ottawa = -> Rome}", "two prompts"),
        ("Match.{=Canada -> Ottawa}", "two prompts"),
        ("Match.{=Canada -> Ottawa =Italy}", "prompt -> answer"),
        ("When?{#eighteen}", "not a number"),
        ("When?{#1822:two}", "not a number"),
        ("When?{#=1822 =%50%abc}", "not a number"),
        ("Who?{=Grant ~%150%Lee}", "150%"),
        ("Who?{=Grant ~%-101%Lee}", "-101%"),
        ("Who?{=%120%Grant}", "120%"),
        ("Who?{~Grant}", "two choices"),
        ("Who?{Grant ~Lee}", "text before the first answer"),
    ],
)
def test_broken_question_is_reported_with_its_line(question, message):
    result = parse_gift(f"// header comment\n\n::Good one::First?{{T}}\n\n{question}\n\n::Good two::Last?{{=yes}}\n")

    assert [q.title for q in result.questions] == ["Good one", "Good two"]
    assert len(result.errors) == 1, result.errors
    assert result.errors[0].line == 5
    assert message in result.errors[0].message


def test_error_line_is_where_the_question_starts_not_where_the_problem_is():
    result = parse_gift("::A::First{T}\n\n// comment\n::B::Pick {\n  =yes\n  ~%300%no\n}\n\n::C::Third{F}\n")
    assert [q.title for q in result.questions] == ["A", "C"]
    assert [(e.line, e.message) for e in result.errors] == [(4, "weight 300% is outside -100% to 100%")]


def test_every_broken_question_is_reported():
    result = parse_gift("A{#x}\n\nB{T}\n\nC{=a\n\nD } e\n\nE{F}\n")
    assert [q.text for q in result.questions] == ["B", "E"]
    assert [e.line for e in result.errors] == [1, 5, 7]


def test_unclosed_brace_swallows_only_its_own_block():
    result = parse_gift("::A::Q{\n  =yes\n\n::B::R{T}\n")
    assert [e.line for e in result.errors] == [1]
    assert [q.title for q in result.questions] == ["B"]


def test_empty_file_has_no_questions_and_no_errors():
    result = parse_gift("// only comments\n\n\n// here\n")
    assert result.questions == [] and result.errors == []


# --- regressions: titles, inherited formats, line numbers, stray braces ---


def test_default_title_is_plain_text_not_html_entities():
    assert only("Tom & Jerry?{T}").title == "Tom & Jerry?"


def test_default_title_keeps_a_space_where_the_text_broke_a_line():
    q = only("Match the following countries with their corresponding\ncapitals.{=Canada->Ottawa =Italy->Rome}")
    assert q.title == "Match the following countries with their corresponding capitals."


def test_description_without_title_gets_its_text_as_title():
    assert only("The next questions are about procedures.").title == "The next questions are about procedures."


def test_answers_inherit_the_markdown_format_of_the_question():
    q = only("[markdown]Pick the **bold** one{=**bold**#**yes** ~plain}")
    assert q.choices[0].text == "<p><strong>bold</strong></p>"
    assert q.choices[0].feedback == "<p><strong>yes</strong></p>"


def test_answers_inherit_the_plain_format_of_the_question():
    q = only("[plain]Which tag makes text bold?{=<b> ~<i>}")
    assert [c.text for c in q.choices] == ["&lt;b&gt;", "&lt;i&gt;"]


def test_question_line_after_a_category_in_the_same_block():
    result = parse_gift("$CATEGORY: x\n::A::First{T}\n\n$CATEGORY: y\n::B::Broken{#abc}\n")
    assert [(q.title, q.category) for q in result.questions] == [("A", "x")]
    assert result.questions[0].line == 2
    assert [e.line for e in result.errors] == [5]


def test_stray_closing_brace_before_the_answers_is_an_error():
    result = parse_gift("Who } is buried here? {=Grant ~Lee}")
    assert result.questions == []
    assert [e.line for e in result.errors] == [1]
