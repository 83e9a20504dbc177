/* t_rng.h -- deterministic randomness for tests (splitmix64): the same
 * sequence on every run and machine, so failures reproduce. */
#ifndef VW_T_RNG_H
#define VW_T_RNG_H

#include <stdint.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}
static double unif(void) { return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0); }

#endif
