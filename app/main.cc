#include "app/cli.h"

int main(int argc, char** argv) { return stackvisor::app::Main(argc, argv); }
