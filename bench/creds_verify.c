/* creds_verify.c -- figures for the admin credential check (creds.c): the
 * time of one vw_creds_authenticate for a right secret, a wrong secret and
 * an unknown name (they should be equal: the dummy hash). Built by bench/CMakeLists.txt as
 * target creds_verify: `cmake --build build --target creds_verify &&
 * build/creds_verify`. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "server/daemon/creds.h"
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec/1e9;}
int main(void){
  char h[256],text[512]; vw_err e; vw_creds *t;
  vw_creds_hash("right-secret",12,VW_CREDS_ITER_DEFAULT,h,sizeof h,&e);
  snprintf(text,sizeof text,"anna coordinator west %s\n",h);
  vw_creds_parse(text,strlen(text),"x",&t,&e);
  const char *a[3]={"anna:right-secret","anna:wrong-secret","nobody:right-secret"};
  for(int k=0;k<3;k++){ double t0=now(); int ok=0; for(int i=0;i<20;i++) ok+=vw_creds_authenticate(t,a[k],strlen(a[k]))!=NULL;
    printf("%-22s %6.1f ms per verify (ok %d/20)\n",a[k],(now()-t0)/20*1e3,ok);}
  vw_creds_free(t); return 0;}
