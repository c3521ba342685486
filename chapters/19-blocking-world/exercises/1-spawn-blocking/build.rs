fn main() {
    course::exercise::select_source()
}
