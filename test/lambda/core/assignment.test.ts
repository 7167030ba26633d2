import { describe, expect, it } from 'vitest';
import { InvalidAssignmentError, parseAssignment } from '../../../lambda/core/assignment';

describe('parseAssignment', () => {
  it('names what is wrong with a message that is not an assignment', () => {
    expect(() => parseAssignment('{')).toThrow(
      new InvalidAssignmentError('The sweep assignment is not JSON'),
    );
    expect(() => parseAssignment('{"accountId":"12","regions":["us-east-1"]}')).toThrow(
      'The sweep assignment\'s accountId must be 12 digits, got "12"',
    );
    expect(() => parseAssignment('{"accountId":"111122223333","regions":[]}')).toThrow(
      "The sweep assignment's regions must be a list of Regions, got []",
    );
    expect(() =>
      parseAssignment('{"accountId":"111122223333","regions":["eu-west-1"],"accountName":7}'),
    ).toThrow("The sweep assignment's accountName must be a string");
    expect(() =>
      parseAssignment('{"accountId":"111122223333","regions":["eu-west-1"],"management":"yes"}'),
    ).toThrow("The sweep assignment's management must be true or false");
    expect(() => parseAssignment('null')).toThrow(
      "The sweep assignment's accountId must be 12 digits, got undefined",
    );
  });
});
