// main() of a scenario binary: link `weft_check_main` and get the weft-check command line.
#include "weft/check/scenario.hpp"

int main(int argc, char** argv) { return weft::check::check_main(argc, argv); }
