#[test]
fn adds() {
    assert_eq!(ex01_1_echo::add(1, 2), 3);
}
#[test]
fn adds_zero() {
    assert_eq!(ex01_1_echo::add(0, 0), 0);
}
