// RFC 9204 Appendix B: the encoding examples, copied from the RFC text (hex,
// spaces as in the RFC; `hex()` from tests/helpers/hex.ts ignores them).

/** B.2's encoder stream, instruction by instruction. */
export const B2_SET_CAPACITY_220 = '3fbd01';
/** Insert With Name Reference: static :authority = www.example.com (entry size 57). */
export const B2_INSERT_AUTHORITY = 'c00f 7777 772e 6578 616d 706c 652e 636f 6d';
/** Insert With Name Reference: static :path = /sample/path (entry size 49). */
export const B2_INSERT_PATH = 'c10c 2f73 616d 706c 652f 7061 7468';

export const B = {
  s1_stream0: '0000 510b 2f69 6e64 6578 2e68 746d 6c',
  s2_encoder: `${B2_SET_CAPACITY_220} ${B2_INSERT_AUTHORITY} ${B2_INSERT_PATH}`,
  s2_stream4: '0381 10 11',
  s2_decoder: '84',
  /** Insert With Literal Name: custom-key = custom-value. */
  s3_encoder: '4a63 7573 746f 6d2d 6b65 790c 6375 7374 6f6d 2d76 616c 7565',
  s3_decoder: '01',
  s4_encoder: '02',
  s4_stream8: '0500 80 c1 81',
  s4_decoder: '48',
  s5_encoder: '810d 6375 7374 6f6d 2d76 616c 7565 32',
};
