"""Output capping keeps the tail and says how much was cut."""

from sparkq_tui.runner.capture import TailBuffer


def test_small_output_is_kept_whole() -> None:
    buf = TailBuffer(100)
    buf.write(b"hello ")
    buf.write(b"world")
    assert buf.text() == "hello world"
    assert buf.cut == 0


def test_large_output_keeps_the_tail_with_a_note() -> None:
    buf = TailBuffer(10)
    for i in range(100):
        buf.write(f"{i:03d}\n".encode())
    text = buf.text()
    assert buf.total == 400
    assert text.startswith("[sparkq: output capped: 390 of 400 bytes cut from the start;")
    assert text.endswith("98\n099\n")


def test_a_cut_inside_a_utf8_character_drops_its_orphan_bytes() -> None:
    buf = TailBuffer(5)
    buf.write("ééé".encode())  # 6 bytes: the cut leaves one continuation byte first
    text = buf.text()
    assert text.endswith("éé")
    assert "\ufffd" not in text
    assert "2 of 6 bytes cut" in text
