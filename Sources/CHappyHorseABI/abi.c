/* CHappyHorseABI holds only the C ABI's header (include/happyhorse_cabi.h), shared by the C shim that calls the
 * ABI and the Swift target that implements it (Sources/HappyHorseCABI), so both see one declaration of each
 * struct. SwiftPM needs one source file per C target: this one. */
#include "happyhorse_cabi.h"
